-- The reconciler reads the live provisional grants a page at a time, in order-id order after the last one it read
-- (iap::provisional_grants_after): this index holds exactly those grants, in that order, so a page reads its rows
-- and no others however large the backlog or the table. It replaces `grants_provisional` (provisional, revoked_at),
-- which only the whole-list read used, and which the planner would pick and then sort every provisional grant.
DROP INDEX IF EXISTS grants_provisional;
CREATE INDEX grants_provisional_by_order ON grants (order_id) WHERE provisional = 1 AND revoked_at IS NULL;
