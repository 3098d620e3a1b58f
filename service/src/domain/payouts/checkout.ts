// What marketplace mode adds to a Checkout Session: a destination charge to the builder's
// connected account with the platform's fee, both fixed on the payment before the session is
// created (so a retried creation sends the same parameters under the same idempotency key).
import type Stripe from "stripe";
import type { Builder, Payment, PayoutAccount } from "../../generated/prisma/client.js";
import { AppError } from "../../lib/errors.js";
import type { DomainContext } from "../context.js";
import { feeRuleFor, platformFee } from "./fees.js";
import { payoutBlock } from "./readiness.js";

type PaymentIntentData = Stripe.Checkout.SessionCreateParams.PaymentIntentData;

/**
 * The payment_intent_data a payment's session needs in marketplace mode (nothing in
 * single-merchant mode). Refuses (409) when the builder's account cannot receive transfers now.
 */
export async function destinationCharge(
  ctx: DomainContext,
  payment: Payment,
  builder: Builder & { payoutAccount: PayoutAccount | null },
): Promise<Partial<PaymentIntentData>> {
  if (ctx.config.payouts.mode !== "connect") return {};
  const account = builder.payoutAccount;
  const blocked = payoutBlock("connect", builder.name, account);
  if (blocked || !account?.stripeAccountId) {
    throw new AppError(409, "builder_payouts_unavailable", `builder: ${blocked ?? "no payout account"}`);
  }
  let fixed = payment;
  if (payment.destinationAccountId === null) {
    const fee = platformFee(payment.amount, feeRuleFor(ctx.config.payouts.defaultFee, account));
    await ctx.prisma.payment.updateMany({
      where: { id: payment.id, destinationAccountId: null },
      data: { destinationAccountId: account.stripeAccountId, applicationFeeAmount: fee },
    });
    fixed = await ctx.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } });
  }
  if (fixed.destinationAccountId !== account.stripeAccountId) {
    // The builder replaced their account after this payment's checkout was first prepared.
    throw new AppError(409, "builder_payouts_changed", "booking: the builder's payout account changed; book again");
  }
  const fee = fixed.applicationFeeAmount ?? 0;
  return {
    transfer_data: { destination: fixed.destinationAccountId },
    // A zero fee is left out: the whole amount goes to the builder.
    ...(fee > 0 ? { application_fee_amount: fee } : {}),
  };
}
