// The booking and payment transition tables and the refund arithmetic, as pure functions.
import t from "tap";
import { allowedTransitions, canTransition } from "../src/domain/booking/booking-states.js";
import {
  allowedPaymentTransitions,
  canTransitionPayment,
  statusForAmounts,
} from "../src/domain/booking/payment-states.js";
import { refundDue, refundFor } from "../src/domain/booking/refund-policy.js";
import type { BookingStatus, PaymentStatus } from "../src/generated/prisma/client.js";

const bookingStatuses = Object.keys(allowedTransitions) as BookingStatus[];
const paymentStatuses = Object.keys(allowedPaymentTransitions) as PaymentStatus[];

t.test("booking transitions: exactly the documented edges", async (t) => {
  const edges = bookingStatuses.flatMap((from) =>
    bookingStatuses.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
  );
  t.same(edges.sort(), [
    "CANCELLED→REFUNDED",
    "CONFIRMED→CANCELLED",
    "CONFIRMED→REFUNDED",
    "NEEDS_NEW_TIME→CANCELLED",
    "NEEDS_NEW_TIME→SCHEDULING",
    "PENDING_PAYMENT→CANCELLED",
    "PENDING_PAYMENT→CONFIRMED",
    "PENDING_PAYMENT→EXPIRED",
    "PENDING_PAYMENT→FAILED",
    "PENDING_PAYMENT→SCHEDULING",
    "SCHEDULING→CANCELLED",
    "SCHEDULING→CONFIRMED",
    "SCHEDULING→NEEDS_NEW_TIME",
  ]);
  for (const end of ["EXPIRED", "FAILED", "REFUNDED"] as const) t.same(allowedTransitions[end], [], `${end} is final`);
});

t.test("payment transitions: exactly the documented edges", async (t) => {
  const edges = paymentStatuses.flatMap((from) =>
    paymentStatuses.filter((to) => canTransitionPayment(from, to)).map((to) => `${from}→${to}`),
  );
  t.same(edges.sort(), [
    "EXPIRED→PAID",
    "OPEN→EXPIRED",
    "OPEN→FAILED",
    "OPEN→PAID",
    "OPEN→UNPAID",
    "PAID→PARTIALLY_REFUNDED",
    "PAID→REFUNDED",
    "PARTIALLY_REFUNDED→PARTIALLY_REFUNDED",
    "PARTIALLY_REFUNDED→REFUNDED",
    "UNPAID→EXPIRED",
    "UNPAID→FAILED",
    "UNPAID→PAID",
  ]);
  t.notOk(canTransitionPayment("REFUNDED", "PAID"), "money refunded is never paid again");
  t.notOk(canTransitionPayment("PAID", "PAID"), "a duplicate payment event changes nothing");
  t.notOk(canTransitionPayment("FAILED", "PAID"), "a failed debit is final");
});

t.test("a payment's status follows from its amounts", async (t) => {
  t.equal(statusForAmounts(15_000, 0), "PAID");
  t.equal(statusForAmounts(15_000, 1), "PARTIALLY_REFUNDED");
  t.equal(statusForAmounts(15_000, 14_999), "PARTIALLY_REFUNDED");
  t.equal(statusForAmounts(15_000, 15_000), "REFUNDED");
});

t.test("refund policy: what the customer should have back in total", async (t) => {
  const start = new Date("2030-01-10T12:00:00Z");
  const early = new Date("2030-01-08T12:00:00Z");
  const late = new Date("2030-01-10T10:00:00Z");
  const full = { refundPolicy: "FULL" as const, refundCutoffHours: null };
  const none = { refundPolicy: "NONE" as const, refundCutoffHours: null };
  const cutoff = { refundPolicy: "CUTOFF" as const, refundCutoffHours: 24 };
  t.match(refundFor(full, 15_000, start, late, false), { amount: 15_000, reason: "full refund policy" });
  t.match(refundFor(none, 15_000, start, early, false), { amount: 0, reason: "no-refund policy" });
  t.match(refundFor(none, 15_000, start, early, true), { amount: 15_000, reason: "the builder cancelled" });
  t.match(refundFor(cutoff, 15_000, start, early, false), { amount: 15_000 });
  t.match(refundFor(cutoff, 15_000, start, late, false), { amount: 0 });
  t.match(
    refundFor(cutoff, 15_000, start, new Date(start.getTime() - 24 * 3_600_000), false),
    { amount: 15_000 },
    "exactly at the cutoff still refunds",
  );
  t.match(refundFor({ refundPolicy: "CUTOFF", refundCutoffHours: null }, 100, start, late, false), {
    reason: /24 h/,
  });
  t.match(refundFor(full, 0, start, early, true), { amount: 0, reason: "nothing was paid" });
});

t.test("refund due: the target less what Stripe already refunded, within what is left", async (t) => {
  t.equal(refundDue(15_000, { captured: 15_000, refunded: 0 }), 15_000);
  t.equal(refundDue(15_000, { captured: 15_000, refunded: 5_000 }), 10_000, "after a partial Dashboard refund");
  t.equal(refundDue(15_000, { captured: 15_000, refunded: 15_000 }), 0, "already refunded in full");
  t.equal(refundDue(0, { captured: 15_000, refunded: 5_000 }), 0, "a no-refund policy gives nothing more");
  t.equal(refundDue(20_000, { captured: 15_000, refunded: 0 }), 15_000, "never more than was captured");
  t.equal(refundDue(5_000, { captured: 15_000, refunded: 8_000 }), 0, "never negative");
  t.equal(refundDue(15_000, { captured: 0, refunded: 0 }), 0, "nothing captured, nothing due");
  for (let refunded = 0; refunded <= 15_000; refunded += 2_500) {
    const due = refundDue(15_000, { captured: 15_000, refunded });
    t.equal(refunded + due, 15_000, `captured = refunded + due when ${refunded} was refunded first`);
  }
});
