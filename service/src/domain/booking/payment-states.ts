// The payment state machine, with its history. A payment's status follows from what Stripe
// says was captured and refunded; amounts only ever grow (a redelivered or reordered event
// never lowers them), and each applied change writes one history row with its cause.
import type { Payment, PaymentStatus, Prisma } from "../../generated/prisma/client.js";

type Tx = Prisma.TransactionClient;

export const allowedPaymentTransitions: Record<PaymentStatus, readonly PaymentStatus[]> = {
  OPEN: ["PAID", "UNPAID", "EXPIRED", "FAILED"],
  // UNPAID: an asynchronous payment (a bank debit) is settling.
  UNPAID: ["PAID", "FAILED", "EXPIRED"],
  // A payment may complete after its hold was released; it is then refunded.
  EXPIRED: ["PAID"],
  FAILED: [],
  PAID: ["PARTIALLY_REFUNDED", "REFUNDED"],
  PARTIALLY_REFUNDED: ["PARTIALLY_REFUNDED", "REFUNDED"],
  REFUNDED: [],
};

export function canTransitionPayment(from: PaymentStatus, to: PaymentStatus): boolean {
  return allowedPaymentTransitions[from].includes(to);
}

/** The status a captured payment has for its amounts. */
export function statusForAmounts(captured: number, refunded: number): "PAID" | "PARTIALLY_REFUNDED" | "REFUNDED" {
  if (refunded <= 0) return "PAID";
  return refunded >= captured ? "REFUNDED" : "PARTIALLY_REFUNDED";
}

export interface PaymentChange {
  to: PaymentStatus;
  cause: string;
  /** Only from these statuses (default: any the table allows). */
  from?: readonly PaymentStatus[];
  data?: Prisma.PaymentUpdateManyMutationInput;
  /** A further condition on the payment as read (checked again on every re-read). */
  when?: (current: Payment) => boolean;
}

/**
 * Moves a payment to `change.to` if the table allows it; null when it may not (it already moved
 * on). The update is conditional on the status and amounts it read; when a concurrent change got
 * there first, the payment is read again and the table asked again (a payment completing while
 * its booking is cancelled goes EXPIRED → PAID, and is refunded as late).
 */
export async function transitionPayment(tx: Tx, paymentId: string, change: PaymentChange): Promise<Payment | null> {
  for (let round = 0; round < 3; round++) {
    const current = await tx.payment.findUnique({ where: { id: paymentId } });
    if (!current) return null;
    if (change.from && !change.from.includes(current.status)) return null;
    if (!canTransitionPayment(current.status, change.to)) return null;
    if (change.when && !change.when(current)) return null;
    const updated = await tx.payment.updateMany({
      where: { id: paymentId, status: current.status, amountRefunded: current.amountRefunded },
      data: { ...change.data, status: change.to },
    });
    if (updated.count !== 1) continue;
    const after = await tx.payment.findUniqueOrThrow({ where: { id: paymentId } });
    await tx.paymentStatusChange.create({
      data: {
        paymentId,
        from: current.status,
        to: after.status,
        amountCaptured: after.amountCaptured,
        amountRefunded: after.amountRefunded,
        cause: change.cause,
      },
    });
    return after;
  }
  throw new Error(`payment ${paymentId} kept changing while ${change.to} was applied; retry`);
}

/**
 * Records Stripe's running refund total for a captured payment (the largest seen wins) and the
 * status it implies. Returns the payment after the change, or null when nothing changed.
 */
export async function recordRefundedAmount(
  tx: Tx,
  paymentId: string,
  refunded: number,
  cause: string,
): Promise<Payment | null> {
  const current = await tx.payment.findUnique({ where: { id: paymentId } });
  if (!current) return null;
  return transitionPayment(tx, paymentId, {
    to: statusForAmounts(current.amountCaptured, refunded),
    from: ["PAID", "PARTIALLY_REFUNDED"],
    cause,
    data: { amountRefunded: refunded },
    // Never lower the running total: a larger one recorded meanwhile wins.
    when: (now) => refunded > now.amountRefunded,
  });
}
