-- A payment's claim lives on its own row: who works on the payment now (a handler or a reconciler, on any
-- instance) and until when, Unix milliseconds. It replaces the leases `payment:<orderNo>` and
-- `create:<userKey>:<idempotencyKey>`: the write that stores a new payment takes it, and the write that stores
-- the payment's outcome gives it back, so a TossPay flow writes no lease of its own (issue 10; see db/lease.rs).
ALTER TABLE payments ADD COLUMN claim_holder TEXT;
ALTER TABLE payments ADD COLUMN claim_until BIGINT;
