-- test/echo: gives its parameter back as a JSON object (injection round-trip test only).
-- returns: object
-- $1: text value
SELECT $1::text AS value, '$2 is not a parameter; neither is -- this' AS note
