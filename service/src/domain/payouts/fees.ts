// The platform fee on a payment in marketplace mode: a percentage of the price (in basis points)
// plus a fixed amount, from the builder's override or the operator's default. Pure functions.

export interface FeeRule {
  /** Basis points of the price: 1000 = 10 %. */
  percentBps: number;
  /** Minor units of the session's currency. */
  fixedAmount: number;
}

/** A builder's override as stored (both columns set, or neither). */
export interface FeeOverride {
  feePercentBps: number | null;
  feeFixedAmount: number | null;
}

export function feeRuleFor(
  defaultFee: FeeRule,
  override: FeeOverride | null | undefined,
): FeeRule & {
  source: "default" | "builder";
} {
  if (override && override.feePercentBps !== null && override.feeFixedAmount !== null) {
    return { percentBps: override.feePercentBps, fixedAmount: override.feeFixedAmount, source: "builder" };
  }
  return { ...defaultFee, source: "default" };
}

/**
 * The fee on `amount`: the percentage rounded half up to a whole minor unit, plus the fixed part,
 * never more than the amount itself (Stripe refuses an application fee above the charge).
 */
export function platformFee(amount: number, rule: FeeRule): number {
  if (amount <= 0) return 0;
  const percent = Math.floor((amount * rule.percentBps + 5_000) / 10_000);
  return Math.min(amount, percent + rule.fixedAmount);
}
