// How the partner API shows a builder's payouts: the mode, the account's status with Stripe's
// reason, the flags the operator should act on, and the platform fee that applies.
import type { PayoutsConfig } from "../../config.js";
import type { Payouts } from "../../contract/index.js";
import type { PayoutAccount } from "../../generated/prisma/client.js";
import { feeRuleFor } from "./fees.js";

/** The contract's `payouts` object (contract/payouts.ts). */
export type PayoutsView = Payouts;
type PayoutStatusView = Payouts["status"];

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
