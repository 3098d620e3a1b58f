// Applies what Stripe says about a Checkout Session to the booking and its payment. Called
// by the Stripe webhook, by the confirmation read when the visitor returns first, and by the
// hold sweeper; every step is conditional, so any order and any repetition is safe.
import type Stripe from "stripe";
import type { Payment, Prisma } from "../generated/prisma/client.js";
import { transition } from "./booking-states.js";
import { isUniqueViolation } from "./bookings.js";
import type { DomainContext } from "./context.js";
import { enqueueSideEffect, runSideEffects } from "./side-effects.js";

type Tx = Prisma.TransactionClient;

export type SessionOutcome =
  | "confirmed"
  | "awaiting_async_payment"
  | "expired"
  | "failed"
  | "late_payment_refunded"
  | "slot_taken_refunded"
  | "no_change"
  | "unknown_session";

// Plain SQL: every Stripe Checkout event starts here, and through Prisma this lookup was the
// last per-event query compiled on each call (docs/BENCHMARKS.md, webhook ingestion).
export const PAYMENT_BY_SESSION_OR_KEY = `SELECT * FROM "Payment" WHERE "checkoutSessionId" = $1 OR "idempotencyKey" = $2`;

async function findPayment(ctx: DomainContext, session: Stripe.Checkout.Session): Promise<Payment | null> {
  // The session may have been created by a request that died before recording it, so the
  // booking's checkout key (from the session's metadata) finds the payment too. One query for both.
  const bookingId = session.metadata?.booking_id ?? session.client_reference_id;
  const { rows: candidates } = await ctx.sql.query<Payment>(PAYMENT_BY_SESSION_OR_KEY, [
    session.id,
    bookingId ? `checkout_${bookingId}` : null,
  ]);
  const bySession = candidates.find((p) => p.checkoutSessionId === session.id);
  if (bySession) return bySession;
  const payment = candidates[0];
  if (!payment || payment.checkoutSessionId) return null;
  await ctx.prisma.payment.updateMany({
    where: { id: payment.id, checkoutSessionId: null },
    data: { checkoutSessionId: session.id, checkoutUrl: session.url },
  });
  return payment;
}

export function cancelEventEffect(tx: Tx, bookingId: string, eventUri: string, reason: string) {
  return enqueueSideEffect(tx, bookingId, `cancel_event_${bookingId}`, {
    kind: "CANCEL_CALENDLY_EVENT",
    eventUri,
    reason,
  });
}

function paymentIntentId(session: Stripe.Checkout.Session): string | null {
  const pi = session.payment_intent;
  return typeof pi === "string" ? pi : (pi?.id ?? null);
}

async function markPaid(tx: Tx, payment: Payment, session: Stripe.Checkout.Session): Promise<boolean> {
  const updated = await tx.payment.updateMany({
    where: { id: payment.id, status: { in: ["OPEN", "UNPAID", "EXPIRED"] } },
    data: { status: "PAID", paymentIntentId: paymentIntentId(session), paidAt: new Date() },
  });
  return updated.count === 1;
}

async function refundWhole(tx: Tx, payment: Payment, session: Stripe.Checkout.Session, reason: string) {
  const pi = paymentIntentId(session);
  if (!pi) return;
  await enqueueSideEffect(tx, payment.bookingId, `refund_late_${payment.id}`, {
    kind: "REFUND",
    paymentId: payment.id,
    paymentIntentId: pi,
    amount: payment.amount,
    currency: payment.currency,
    reason,
  });
}

/** The payment will not come: EXPIRED (or FAILED), and the Calendly slot is released. */
async function releaseUnpaid(
  ctx: DomainContext,
  payment: Payment,
  cause: string,
  failed: boolean,
): Promise<SessionOutcome> {
  const outcome = await ctx.prisma.$transaction(async (tx): Promise<SessionOutcome> => {
    const updated = await tx.payment.updateMany({
      where: { id: payment.id, status: { in: ["OPEN", "UNPAID"] } },
      data: { status: failed ? "FAILED" : "EXPIRED" },
    });
    if (updated.count !== 1) return "no_change";
    const booking = await tx.booking.findUniqueOrThrow({ where: { id: payment.bookingId } });
    const moved = await transition(tx, booking.id, failed ? "FAILED" : "EXPIRED", cause);
    if (!moved.applied) return "no_change";
    await cancelEventEffect(
      tx,
      booking.id,
      booking.calendlyEventUri,
      failed ? "Payment failed" : "Payment was not completed in time",
    );
    return failed ? "failed" : "expired";
  });
  if (outcome === "expired" || outcome === "failed") ctx.metrics.step(outcome);
  return outcome;
}

export async function applyCheckoutSession(
  ctx: DomainContext,
  session: Stripe.Checkout.Session,
  cause: string,
  options: { asyncPaymentFailed?: boolean } = {},
): Promise<SessionOutcome> {
  const payment = await findPayment(ctx, session);
  if (!payment) return "unknown_session";
  const paid =
    session.status === "complete" &&
    (session.payment_status === "paid" || session.payment_status === "no_payment_required");
  let outcome: SessionOutcome = "no_change";

  if (options.asyncPaymentFailed) {
    // checkout.session.async_payment_failed carries a complete, unpaid session: the same shape
    // as a payment still settling, so the event type decides.
    outcome = await releaseUnpaid(ctx, payment, cause, true);
  } else if (paid) {
    try {
      outcome = await ctx.prisma.$transaction(async (tx) => {
        if (!(await markPaid(tx, payment, session))) return "no_change";
        const moved = await transition(tx, payment.bookingId, "CONFIRMED", `payment received (${cause})`, {
          holdExpiresAt: null,
        });
        if (moved.applied) return "confirmed";
        // Paid after the hold was released: the slot is gone, so the money goes back.
        await refundWhole(tx, payment, session, "payment arrived after the hold on the slot was released");
        return "late_payment_refunded";
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another booking was confirmed for the same slot first.
      outcome = await ctx.prisma.$transaction(async (tx) => {
        if (!(await markPaid(tx, payment, session))) return "no_change";
        const booking = await tx.booking.findUniqueOrThrow({ where: { id: payment.bookingId } });
        await transition(tx, booking.id, "FAILED", "slot already confirmed for another booking");
        await cancelEventEffect(tx, booking.id, booking.calendlyEventUri, "The slot was already booked");
        await refundWhole(tx, payment, session, "slot already confirmed for another booking");
        return "slot_taken_refunded";
      });
    }
    if (outcome === "confirmed") ctx.metrics.step("paid");
  } else if (session.status === "complete" && session.payment_status === "unpaid") {
    // An asynchronous method (e.g. a bank debit) is still settling: keep the slot until it does.
    outcome = await ctx.prisma.$transaction(async (tx) => {
      const updated = await tx.payment.updateMany({
        where: { id: payment.id, status: "OPEN" },
        data: { status: "UNPAID", paymentIntentId: paymentIntentId(session) },
      });
      if (updated.count === 1) {
        await tx.booking.updateMany({
          where: { id: payment.bookingId, status: "PENDING_PAYMENT" },
          data: { holdExpiresAt: null },
        });
      }
      return updated.count === 1 ? "awaiting_async_payment" : "no_change";
    });
  } else if (session.status === "expired") {
    outcome = await releaseUnpaid(ctx, payment, cause, false);
  }
  await runSideEffects(ctx, { bookingId: payment.bookingId }, { ignoreBackoff: true });
  return outcome;
}
