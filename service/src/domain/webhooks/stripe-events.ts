// What each Stripe event means for a booking.
import type Stripe from "stripe";
import type { Payment } from "../../generated/prisma/client.js";
import { transition } from "../booking-states.js";
import type { DomainContext } from "../context.js";
import { applyCheckoutSession } from "../fulfilment.js";
import type { Handler } from "./ingest.js";

export { stripeWebhookEvents as handledStripeEvents } from "../../providers/stripe.js";

/**
 * The payment a refunded charge belongs to. When charge.refunded overtakes the payment's own
 * checkout.session.completed (Stripe does not order events), the payment does not know its
 * PaymentIntent yet: the session is then read from Stripe and applied first.
 */
async function paymentOfCharge(ctx: DomainContext, charge: Stripe.Charge, pi: string): Promise<Payment | null> {
  const known = await ctx.prisma.payment.findUnique({ where: { paymentIntentId: pi } });
  if (known) return known;
  // Checkout copies the booking id onto the PaymentIntent (payment_intent_data.metadata), and
  // its charges carry it too; ask for the PaymentIntent when the charge does not.
  const bookingId =
    charge.metadata?.booking_id ??
    (
      await ctx.metrics.time("stripe", "retrieve_payment_intent", () =>
        ctx.providers.stripe.paymentIntents.retrieve(pi),
      )
    ).metadata?.booking_id;
  if (!bookingId) return null;
  const payment = await ctx.prisma.payment.findUnique({ where: { idempotencyKey: `checkout_${bookingId}` } });
  if (!payment) return null;
  // Recorded by a concurrent delivery of the payment's own event since the first look.
  if (payment.paymentIntentId) return payment.paymentIntentId === pi ? payment : null;
  if (!payment.checkoutSessionId) return null;
  const session = await ctx.metrics.time("stripe", "retrieve_session", () =>
    ctx.providers.stripe.checkout.sessions.retrieve(payment.checkoutSessionId!),
  );
  const sessionPi = typeof session.payment_intent === "string" ? session.payment_intent : session.payment_intent?.id;
  if (sessionPi !== pi) return null;
  await applyCheckoutSession(ctx, session, "stripe charge.refunded arrived before the payment's own event");
  return ctx.prisma.payment.findUnique({ where: { paymentIntentId: pi } });
}

async function chargeRefunded(ctx: DomainContext, charge: Stripe.Charge): Promise<string> {
  const pi = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
  if (!pi) return "no_payment_intent";
  const payment = await paymentOfCharge(ctx, charge, pi);
  if (!payment) return "unknown_payment";
  return ctx.prisma.$transaction(async (tx) => {
    // amount_refunded is the charge's running total: keep the largest one seen. Conditional, so
    // concurrent or reordered deliveries never lower it.
    const refunded = charge.amount_refunded;
    await tx.payment.updateMany({
      where: { id: payment.id, amountRefunded: { lt: refunded } },
      data: { amountRefunded: refunded, status: refunded >= payment.amount ? "REFUNDED" : "PARTIALLY_REFUNDED" },
    });
    if (refunded >= payment.amount) {
      const moved = await transition(tx, payment.bookingId, "REFUNDED", "charge refunded in Stripe");
      if (moved.applied) ctx.metrics.step("refunded");
    }
    return "refund_recorded";
  });
}

export function stripeHandler(ctx: DomainContext, event: Stripe.Event): Handler | null {
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
    case "checkout.session.expired":
      return () => applyCheckoutSession(ctx, event.data.object, `stripe ${event.type}`);
    case "checkout.session.async_payment_failed":
      return () => applyCheckoutSession(ctx, event.data.object, `stripe ${event.type}`, { asyncPaymentFailed: true });
    case "charge.refunded":
      return () => chargeRefunded(ctx, event.data.object);
    default:
      return null;
  }
}
