-- Sessions are now stored by the SHA-256 of their id (session.rs, `stored_id`), so a copy of the database holds no
-- live session. Rows written before hold raw ids that no cookie can match any more: drop them (those users log in
-- again).
DELETE FROM sessions;
