-- The reconciler reads the payments whose outcome is unknown (EXECUTING, REFUNDING) a page at a time, in
-- order-number order after the last one it read (payments::unsettled_after): this index holds exactly those
-- payments, in that order, so a page reads its rows and no others however large the backlog or the table. It
-- replaces `payments_state` (state), which only the whole-list read used.
DROP INDEX IF EXISTS payments_state;
CREATE INDEX payments_unsettled_by_order ON payments (order_no) WHERE state IN ('EXECUTING', 'REFUNDING');
