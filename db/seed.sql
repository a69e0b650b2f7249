-- Development seed: the original's four users and two activities. Idempotent (fixed keys).
INSERT INTO public.users (uuid, display_name, handle, email, cognito_user_id)
VALUES
  ('6f1b3a2e-0c3e-4d1a-9a57-0d6a2c3f0001', 'Andrew Brown', 'andrewbrown', 'andrew@exampro.co',
   'MOCK-andrewbrown'),
  ('6f1b3a2e-0c3e-4d1a-9a57-0d6a2c3f0002', 'Alt Brown', 'altbrown',
   'andrew@cloudprojectbootcamp.com', 'MOCK-altbrown'),
  ('6f1b3a2e-0c3e-4d1a-9a57-0d6a2c3f0003', 'Andrew Bayko', 'bayko', 'bayko@exampro.co',
   'MOCK-bayko'),
  ('6f1b3a2e-0c3e-4d1a-9a57-0d6a2c3f0004', 'Londo Mollari', 'londo', 'lmollari@centari.com',
   'MOCK-londo')
ON CONFLICT DO NOTHING;

INSERT INTO public.activities (uuid, user_uuid, message, expires_at)
VALUES
  ('0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b0001',
   (SELECT uuid FROM public.users WHERE handle = 'andrewbrown'),
   'This was imported as seed data!', now() + interval '10 days'),
  ('0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b0002',
   (SELECT uuid FROM public.users WHERE handle = 'altbrown'),
   'I am the other!', now() + interval '10 days')
ON CONFLICT DO NOTHING;
