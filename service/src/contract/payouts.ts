// How a builder is paid (marketplace mode, PAYOUTS_MODE=connect): the `payouts` part of the
// partner's builder view and of the payout routes.
import { z } from "zod";

const examplePayouts = {
  mode: "connect",
  status: "restricted",
  reason: "requirements.past_due",
  accountId: "acct_1Nv0FGQ9RKHgCVdK",
  payoutFailed: null,
  platformFee: { percentBps: 1000, fixedAmount: 0, source: "default" },
};

export const PayoutsSchema = z
  .object({
    mode: z
      .enum(["single-merchant", "connect"])
      .describe("single-merchant: payments stay on the platform's account; connect: paid out to the builder"),
    status: z
      .enum(["not_started", "onboarding", "enabled", "restricted", "disconnected"])
      .describe("In connect mode the builder is bookable only while `enabled`"),
    reason: z.string().nullable().describe("Stripe's reason when restricted, or why the account was disconnected"),
    accountId: z.string().nullable().describe("The builder's Stripe connected account"),
    payoutFailed: z
      .object({ at: z.iso.datetime({ offset: true }), code: z.string().nullable() })
      .nullable()
      .describe("The latest payout to the builder's bank failed (Stripe's failure_code)"),
    platformFee: z
      .object({
        percentBps: z.number().int().describe("Basis points of the price (1000 = 10 %)"),
        fixedAmount: z.number().int().describe("Minor units of the session's currency"),
        source: z.enum(["default", "builder"]).describe("The operator's default or this builder's override"),
      })
      .describe("The fee taken on each payment; the builder receives the price less this"),
  })
  .meta({ id: "Payouts", examples: [examplePayouts] });

export const OnboardingLinkSchema = z
  .object({
    url: z.string().describe("Stripe's hosted onboarding page: send the builder there; single use"),
    expiresAt: z.iso.datetime({ offset: true }),
    payouts: PayoutsSchema,
  })
  .meta({ id: "PayoutOnboardingLink" });

export const CheckoutOptionsSchema = z
  .object({ allowPromotionCodes: z.boolean().describe("Checkout offers a promotion-code field for this builder") })
  .strict()
  .meta({ id: "BuilderCheckoutOptions" });

export type Payouts = z.output<typeof PayoutsSchema>;
