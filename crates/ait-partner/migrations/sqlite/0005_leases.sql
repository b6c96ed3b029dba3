-- What must happen once is claimed in the database, not in a process (issue 10): a lease per key (a payment, an
-- idempotency key, a user's token refresh). A holder takes a lease only when nobody holds it or the holder's lease
-- expired (an instance killed mid-flow); it deletes its row when done. Several instances on one database share them.
CREATE TABLE leases (
    key        TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL -- Unix milliseconds
);
