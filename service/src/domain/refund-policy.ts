// How much of a payment a cancellation gives back, by the builder's policy.
import type { RefundPolicy } from "../generated/prisma/client.js";

export interface RefundDecision {
  amount: number;
  reason: string;
}

export function refundFor(
  policy: { refundPolicy: RefundPolicy; refundCutoffHours: number | null },
  paid: number,
  startTime: Date,
  cancelledAt: Date,
  cancelledByBuilder: boolean,
): RefundDecision {
  if (paid <= 0) return { amount: 0, reason: "nothing was paid" };
  if (cancelledByBuilder) return { amount: paid, reason: "the builder cancelled" };
  switch (policy.refundPolicy) {
    case "FULL":
      return { amount: paid, reason: "full refund policy" };
    case "NONE":
      return { amount: 0, reason: "no-refund policy" };
    case "CUTOFF": {
      const hours = policy.refundCutoffHours ?? 24;
      const early = startTime.getTime() - cancelledAt.getTime() >= hours * 3_600_000;
      return early
        ? { amount: paid, reason: `cancelled at least ${hours} h before the start` }
        : { amount: 0, reason: `cancelled less than ${hours} h before the start` };
    }
  }
}
