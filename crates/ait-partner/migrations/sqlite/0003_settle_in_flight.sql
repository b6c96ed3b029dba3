-- Payments and grants whose outcome is not known yet are settled by the reconciler (issue: nothing lost, nothing
-- doubled).
--
-- payments.state gains REFUNDING: refund-payment was sent and its outcome is not known yet (like EXECUTING for
-- execute-payment). The reconciler settles it with get-payment-status, refunding again when Toss still reports the
-- payment complete (Toss refunds a payment once). refund_reason keeps what the refund was asked with, for that retry.
ALTER TABLE payments ADD COLUMN refund_reason TEXT;
-- Unix milliseconds when the last execute or refund whose outcome is unknown was sent: within the configured grace
-- after it, a refused retry does not settle the payment (the lost call may still land at Toss).
ALTER TABLE payments ADD COLUMN attempted_at INTEGER;
UPDATE payments SET attempted_at = updated_at * 1000 WHERE state = 'EXECUTING';
-- Unix milliseconds of the last get-payment-status answer: status polls within a short window are answered from the
-- store instead of each calling Toss.
ALTER TABLE payments ADD COLUMN checked_at INTEGER;

-- A grant made while Toss reported the order ORDER_IN_PROGRESS is provisional (1): get-order-status cannot tell
-- "charged, grant pending" from "not charged yet". The server confirms it (PAYMENT_COMPLETED / PURCHASED → 0) or
-- revokes it (FAILED, REFUNDED, NOT_FOUND, MINIAPP_MISMATCH) in the background and on every /iap/sync.
ALTER TABLE grants ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0;
ALTER TABLE grants ADD COLUMN confirmed_at TEXT; -- RFC 3339, UTC; when Toss confirmed a provisional grant
-- Grants made before this migration accepted ORDER_IN_PROGRESS without remembering it: check them all once more.
UPDATE grants SET provisional = 1 WHERE revoked_at IS NULL;
CREATE INDEX grants_provisional ON grants (provisional, revoked_at);
