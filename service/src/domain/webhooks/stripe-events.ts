// What each Stripe event means for a booking.
import type Stripe from "stripe";
import type { Payment } from "../../generated/prisma/client.js";
import { recordRefund } from "../booking/lifecycle.js";
import type { DomainContext } from "../context.js";
import { applyCheckoutSession } from "../fulfilment.js";
import { chargeFacts, retrieveChargeWithRefunds, runSideEffects } from "../side-effects.js";
import type { Handler } from "./ingest.js";

export { stripeWebhookEvents as handledStripeEvents } from "../../providers/stripe.js";

/** A PaymentIntent, or null when Stripe has none by that id on this account. */
async function paymentIntentOf(ctx: DomainContext, pi: string): Promise<Stripe.PaymentIntent | null> {
  try {
    return await ctx.metrics.time("stripe", "retrieve_payment_intent", () =>
      ctx.providers.stripe.paymentIntents.retrieve(pi),
    );
  } catch (error) {
    if ((error as { code?: string }).code === "resource_missing") return null;
    throw error;
  }
}

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
  const bookingId = charge.metadata?.booking_id ?? (await paymentIntentOf(ctx, pi))?.metadata?.booking_id;
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
  // Not a payment the service took: acknowledged and ignored, like a foreign Checkout Session.
  if (!payment) return "unknown_payment";
  // The event's charge has no refunds list (Stripe leaves it out unless expanded): read it.
  const current = await retrieveChargeWithRefunds(ctx, charge.id);
  const outcome = await recordRefund(ctx, payment.id, chargeFacts(current), "charge refunded in Stripe");
  await runSideEffects(ctx, { bookingId: payment.bookingId }, { ignoreBackoff: true });
  return outcome;
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
