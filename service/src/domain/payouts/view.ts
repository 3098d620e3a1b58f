// How the partner API shows a builder's payouts: the mode, the account's status with Stripe's
// reason, the flags the operator should act on, and the platform fee that applies.
import type { PayoutsConfig } from "../../config.js";
import type { PayoutAccount } from "../../generated/prisma/client.js";
import { feeRuleFor } from "./fees.js";

export type PayoutStatusView = "not_started" | "onboarding" | "enabled" | "restricted" | "disconnected";

export interface PayoutsView {
  mode: "single-merchant" | "connect";
  status: PayoutStatusView;
  /** Stripe's reason when restricted, or why the account was disconnected. */
  reason: string | null;
  accountId: string | null;
  /** A payout to the builder's bank failed and no later payout succeeded. */
  payoutFailed: { at: string; code: string | null } | null;
  platformFee: { percentBps: number; fixedAmount: number; source: "default" | "builder" };
}

export function payoutsView(config: PayoutsConfig, account: PayoutAccount | null | undefined): PayoutsView {
  const started = Boolean(account?.stripeAccountId);
  return {
    mode: config.mode,
    status: started && account ? (account.status.toLowerCase() as PayoutStatusView) : "not_started",
    reason: started ? (account?.statusReason ?? null) : null,
    accountId: account?.stripeAccountId ?? null,
    payoutFailed: account?.payoutFailedAt
      ? { at: account.payoutFailedAt.toISOString(), code: account.payoutFailureCode }
      : null,
    platformFee: feeRuleFor(config.defaultFee, account),
  };
}
