-- Toss tokens are now stored sealed (AES-256-GCM under the configured token key, token_seal.rs), so a copy of the
-- database alone yields no usable token. Rows written before hold them in plaintext: drop them, with the sessions
-- that depend on them (those users log in again). Payments and grants keep their user_key and stay.
DELETE FROM sessions;
DELETE FROM users;
