// What a Stripe connected account's state means for a builder: pure mapping from Stripe's v1
// Account object to the payout status the service keeps, and whether it blocks bookings.
import type Stripe from "stripe";
import type { PayoutStatus } from "../../generated/prisma/client.js";

export interface AccountState {
  status: Exclude<PayoutStatus, "DISCONNECTED">;
  /** Stripe's reason when restricted (requirements.disabled_reason), else null. */
  reason: string | null;
}

/**
 * Destination charges need the account's `transfers` capability active: that is the one test of
 * readiness. Before the builder has submitted Stripe's onboarding the account is ONBOARDING; after,
 * anything short of an active transfers capability is RESTRICTED, with Stripe's reason.
 */
export function accountState(account: Pick<Stripe.Account, "capabilities" | "details_submitted" | "requirements">) {
  const transfers = account.capabilities?.transfers;
  if (transfers === "active") return { status: "ENABLED", reason: null } satisfies AccountState;
  const disabled = account.requirements?.disabled_reason ?? null;
  if (!account.details_submitted) return { status: "ONBOARDING", reason: disabled } satisfies AccountState;
  return {
    status: "RESTRICTED",
    reason: disabled ?? `transfers capability ${transfers ?? "not requested"}`,
  } satisfies AccountState;
}
