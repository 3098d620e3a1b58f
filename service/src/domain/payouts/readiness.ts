// Whether a builder's payout account lets them be booked (marketplace mode only), and why not.
import type { PayoutAccount } from "../../generated/prisma/client.js";

export type PayoutsMode = "single-merchant" | "connect";

/**
 * Why `name` cannot be booked for want of a payout account, or undefined when they can (always,
 * in single-merchant mode, where every payment stays on the platform's account).
 */
export function payoutBlock(
  mode: PayoutsMode,
  name: string,
  account: Pick<PayoutAccount, "stripeAccountId" | "status" | "statusReason"> | null | undefined,
): string | undefined {
  if (mode !== "connect") return undefined;
  if (!account?.stripeAccountId) return `${name} has not set up payouts yet.`;
  switch (account.status) {
    case "ENABLED":
      return undefined;
    case "ONBOARDING":
      return `${name} has not finished setting up payouts.`;
    case "RESTRICTED":
      return `${name}'s payout account is restricted by Stripe (${account.statusReason ?? "no reason given"}).`;
    case "DISCONNECTED":
      return `${name} has disconnected their payout account.`;
  }
}
