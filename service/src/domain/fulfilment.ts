// Reads what Stripe says about a Checkout Session and hands it to the booking lifecycle. Called
// by the Stripe webhook, by the confirmation read when the visitor returns first, and by the
// hold sweeper; every step is conditional, so any order and any repetition is safe.
import type Stripe from "stripe";
import { paymentsBySessionOrKey } from "../db/hot-paths.js";
import type { Payment } from "../generated/prisma/client.js";
import { awaitAsyncPayment, confirmPaid, recordTransfer, releaseHold } from "./booking/lifecycle.js";
import type { DomainContext } from "./context.js";
import { runSideEffects } from "./side-effects.js";

export type SessionOutcome =
  | "confirmed"
  | "scheduling"
  | "awaiting_async_payment"
  | "expired"
  | "failed"
  | "late_payment_refunded"
  | "slot_taken_refunded"
  | "no_change"
  | "unknown_session";

async function findPayment(ctx: DomainContext, session: Stripe.Checkout.Session): Promise<Payment | null> {
  // The session may have been created by a request that died before recording it, so the
  // booking's checkout key (from the session's metadata) finds the payment too. One query for both.
  const bookingId = session.metadata?.booking_id ?? session.client_reference_id;
  // Plain SQL (db/hot-paths.ts): every Stripe Checkout event starts here.
  const candidates = await paymentsBySessionOrKey(ctx.sql, session.id, bookingId ? `checkout_${bookingId}` : null);
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

function paymentIntentId(session: Stripe.Checkout.Session): string | null {
  const pi = session.payment_intent;
  return typeof pi === "string" ? pi : (pi?.id ?? null);
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
    const released = await releaseHold(ctx, payment.bookingId, { to: "FAILED", cause, expireCheckout: false });
    outcome = released ? "failed" : "no_change";
  } else if (paid) {
    outcome = await confirmPaid(
      ctx,
      payment,
      { paymentIntentId: paymentIntentId(session), captured: session.amount_total ?? payment.amount },
      cause,
    );
  } else if (session.status === "complete" && session.payment_status === "unpaid") {
    // An asynchronous method (e.g. a bank debit) is still settling: keep the slot until it does.
    const waiting = await awaitAsyncPayment(ctx, payment, paymentIntentId(session), cause);
    outcome = waiting ? "awaiting_async_payment" : "no_change";
  } else if (session.status === "expired") {
    const released = await releaseHold(ctx, payment.bookingId, { to: "EXPIRED", cause, expireCheckout: false });
    outcome = released ? "expired" : "no_change";
  }
  await runSideEffects(ctx, { bookingId: payment.bookingId }, { ignoreBackoff: true });
  if ((outcome === "confirmed" || outcome === "scheduling") && payment.destinationAccountId)
    await noteTransfer(ctx, payment.id, session);
  return outcome;
}

/**
 * Marketplace mode: records the transfer to the builder that the paid charge made. Best effort:
 * a refund records it too (it reads the charge anyway), so a failure here only delays it.
 */
async function noteTransfer(ctx: DomainContext, paymentId: string, session: Stripe.Checkout.Session): Promise<void> {
  const pi = paymentIntentId(session);
  if (!pi) return;
  try {
    const intent = await ctx.metrics.time("stripe", "retrieve_payment_intent", () =>
      ctx.providers.stripe.paymentIntents.retrieve(pi, { expand: ["latest_charge"] }),
    );
    const charge = intent.latest_charge;
    const transfer = charge && typeof charge === "object" ? charge.transfer : null;
    const id = typeof transfer === "string" ? transfer : transfer?.id;
    if (id) await recordTransfer(ctx, paymentId, id);
  } catch (error) {
    ctx.log.warn({ paymentId, err: error }, "could not record the transfer to the builder; a refund records it");
  }
}
