// What each Stripe event means for a booking.
import type Stripe from "stripe";
import { transition } from "../booking-states.js";
import type { DomainContext } from "../context.js";
import { applyCheckoutSession } from "../fulfilment.js";
import type { Handler } from "./ingest.js";

export { stripeWebhookEvents as handledStripeEvents } from "../../providers/stripe.js";

async function chargeRefunded(ctx: DomainContext, charge: Stripe.Charge): Promise<string> {
  const pi = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
  if (!pi) return "no_payment_intent";
  const payment = await ctx.prisma.payment.findUnique({ where: { paymentIntentId: pi } });
  if (!payment) return "unknown_payment";
  return ctx.prisma.$transaction(async (tx) => {
    const refunded = Math.max(payment.amountRefunded, charge.amount_refunded);
    await tx.payment.update({
      where: { id: payment.id },
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
