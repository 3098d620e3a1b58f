// Refund arithmetic: how much of a payment a cancellation gives back by the builder's policy,
// and how much is still to send once Stripe's own figures are known. Pure functions.
import type { RefundPolicy } from "../../generated/prisma/client.js";

export interface RefundDecision {
  /** What the customer should have back in total (refunds already made count towards it). */
  amount: number;
  reason: string;
}

export function refundFor(
  policy: { refundPolicy: RefundPolicy; refundCutoffHours: number | null },
  captured: number,
  startTime: Date,
  cancelledAt: Date,
  cancelledByBuilder: boolean,
): RefundDecision {
  if (captured <= 0) return { amount: 0, reason: "nothing was paid" };
  if (cancelledByBuilder) return { amount: captured, reason: "the builder cancelled" };
  switch (policy.refundPolicy) {
    case "FULL":
      return { amount: captured, reason: "full refund policy" };
    case "NONE":
      return { amount: 0, reason: "no-refund policy" };
    case "CUTOFF": {
      const hours = policy.refundCutoffHours ?? 24;
      const early = startTime.getTime() - cancelledAt.getTime() >= hours * 3_600_000;
      return early
        ? { amount: captured, reason: `cancelled at least ${hours} h before the start` }
        : { amount: 0, reason: `cancelled less than ${hours} h before the start` };
    }
  }
}

/**
 * What to refund now so the customer has `target` back in total, given what Stripe says was
 * captured and already refunded: never negative, never more than is left on the charge.
 */
export function refundDue(target: number, ledger: { captured: number; refunded: number }): number {
  const left = ledger.captured - ledger.refunded;
  const wanted = Math.min(target, ledger.captured) - ledger.refunded;
  return Math.max(0, Math.min(wanted, left));
}
