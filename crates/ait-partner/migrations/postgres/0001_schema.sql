-- The partner's schema on PostgreSQL: the same tables and columns as the SQLite migrations 0001–0005 leave, in
-- one step (PostgreSQL started after them). Integers are BIGINT so that both databases read them as i64; flags are
-- 0/1 integers, as in SQLite. Timestamps are Unix seconds unless a column says otherwise.

-- One row per Toss user who logged in: the tokens are stored sealed (token_seal.rs), never in plaintext.
CREATE TABLE users (
    user_key          BIGINT PRIMARY KEY,
    access_token      TEXT   NOT NULL,
    refresh_token     TEXT,
    access_expires_at BIGINT NOT NULL,
    scope             TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

-- Sessions by the SHA-256 of the cookie's random id.
CREATE TABLE sessions (
    id         TEXT   PRIMARY KEY,
    user_key   BIGINT NOT NULL REFERENCES users (user_key),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_key);

-- A TossPay payment; see payments.rs for its states.
CREATE TABLE payments (
    order_no        TEXT   PRIMARY KEY,
    user_key        BIGINT NOT NULL,
    idempotency_key TEXT   NOT NULL,
    order_json      TEXT   NOT NULL,
    product_desc    TEXT   NOT NULL,
    amount          BIGINT NOT NULL,
    amount_tax_free BIGINT NOT NULL,
    is_test_payment BIGINT NOT NULL,
    pay_token       TEXT,
    state           TEXT   NOT NULL,
    toss_status     TEXT,
    receipt_json    TEXT,
    refund_json     TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    refund_reason   TEXT,
    attempted_at    BIGINT, -- Unix milliseconds
    checked_at      BIGINT, -- Unix milliseconds
    UNIQUE (user_key, idempotency_key)
);
CREATE INDEX payments_state ON payments (state);

-- Everything that happened to a payment.
CREATE TABLE payment_events (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_no TEXT   NOT NULL REFERENCES payments (order_no),
    kind     TEXT   NOT NULL,
    detail   TEXT,
    at       BIGINT NOT NULL
);
CREATE INDEX payment_events_order ON payment_events (order_no);

-- One grant per IAP order, ever (the primary key is the guard against double grants).
CREATE TABLE grants (
    order_id      TEXT   PRIMARY KEY,
    user_key      BIGINT NOT NULL,
    sku           TEXT   NOT NULL,
    granted_at    TEXT   NOT NULL, -- RFC 3339, UTC
    revoked_at    TEXT,            -- RFC 3339, UTC
    revoke_reason TEXT,
    provisional   BIGINT NOT NULL DEFAULT 0,
    confirmed_at  TEXT             -- RFC 3339, UTC
);
CREATE INDEX grants_user ON grants (user_key);
CREATE INDEX grants_provisional ON grants (provisional, revoked_at);

-- Leases: what must happen once, claimed in the database (see the SQLite migration 0005).
CREATE TABLE leases (
    key        TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL -- Unix milliseconds
);
