-- Users, sessions, TossPay payments and their events, IAP grants.
-- Timestamps are Unix seconds unless a column says otherwise.

-- One row per Toss user who logged in: the tokens stay here (never in the page, never in logs).
CREATE TABLE users (
    user_key          INTEGER PRIMARY KEY,
    access_token      TEXT    NOT NULL,
    refresh_token     TEXT,
    access_expires_at INTEGER NOT NULL,
    scope             TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

-- The session cookie's value is a random 256-bit id; the row says whose it is.
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    user_key   INTEGER NOT NULL REFERENCES users (user_key),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_key);

-- A TossPay payment. state: CREATING (make-payment not confirmed), CREATED (payToken known),
-- EXECUTING (execute-payment sent, outcome not yet known), PAID, REFUNDED, CANCELED.
CREATE TABLE payments (
    order_no        TEXT    PRIMARY KEY,
    user_key        INTEGER NOT NULL,
    idempotency_key TEXT    NOT NULL,
    order_json      TEXT    NOT NULL,
    product_desc    TEXT    NOT NULL,
    amount          INTEGER NOT NULL,
    amount_tax_free INTEGER NOT NULL,
    is_test_payment INTEGER NOT NULL,
    pay_token       TEXT,
    state           TEXT    NOT NULL,
    toss_status     TEXT,
    receipt_json    TEXT,
    refund_json     TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (user_key, idempotency_key)
);
CREATE INDEX payments_state ON payments (state);

-- Everything that happened to a payment (create, execute attempts and outcomes, refunds, reconciliation).
CREATE TABLE payment_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    order_no TEXT    NOT NULL REFERENCES payments (order_no),
    kind     TEXT    NOT NULL,
    detail   TEXT,
    at       INTEGER NOT NULL
);
CREATE INDEX payment_events_order ON payment_events (order_no);

-- One grant per IAP order, ever (the primary key is the guard against double grants).
CREATE TABLE grants (
    order_id      TEXT    PRIMARY KEY,
    user_key      INTEGER NOT NULL,
    sku           TEXT    NOT NULL,
    granted_at    TEXT    NOT NULL, -- RFC 3339, UTC
    revoked_at    TEXT,             -- RFC 3339, UTC; set when the order was refunded
    revoke_reason TEXT
);
CREATE INDEX grants_user ON grants (user_key);
