-- One pay-first reservation in flight per builder and start time: two of our visitors cannot
-- pay for the same slot. (A migration of its own: Postgres cannot use the enum values the
-- previous migration added in the transaction that added them.)
CREATE UNIQUE INDEX "Booking_pay_first_slot_key" ON "Booking"("builderId", "startTime")
  WHERE "flow" = 'PAY_FIRST' AND "status" IN ('PENDING_PAYMENT', 'SCHEDULING');
