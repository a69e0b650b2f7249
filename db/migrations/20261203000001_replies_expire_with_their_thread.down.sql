-- Undoes 20261203000001 as far as it can: the expiry a reply took from its thread cannot be told
-- from one it was written with, so the replies keep it (nothing to do).
SELECT 1;
