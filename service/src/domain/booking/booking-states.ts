// The booking state machine. Every transition is a conditional update on the current status,
// so concurrent deliveries and several instances apply it at most once, and each applied
// transition writes one history row with its cause. Only the lifecycle module calls it.
import type { BookingStatus, Prisma } from "../../generated/prisma/client.js";

type Tx = Prisma.TransactionClient;

export const allowedTransitions: Record<BookingStatus, readonly BookingStatus[]> = {
  // Pay first: PENDING_PAYMENT → SCHEDULING once paid, → CONFIRMED once Calendly booked it; a slot
  // taken meanwhile → NEEDS_NEW_TIME (payment held) → SCHEDULING again, or CANCELLED and refunded.
  PENDING_PAYMENT: ["CONFIRMED", "SCHEDULING", "EXPIRED", "FAILED", "CANCELLED"],
  SCHEDULING: ["CONFIRMED", "NEEDS_NEW_TIME", "CANCELLED"],
  NEEDS_NEW_TIME: ["SCHEDULING", "CANCELLED"],
  // REFUNDED straight from CONFIRMED: the payment was refunded in full outside the service.
  CONFIRMED: ["CANCELLED", "REFUNDED"],
  EXPIRED: [],
  FAILED: [],
  CANCELLED: ["REFUNDED"],
  REFUNDED: [],
};

export function canTransition(from: BookingStatus, to: BookingStatus): boolean {
  return allowedTransitions[from].includes(to);
}

export interface TransitionResult {
  applied: boolean;
  from?: BookingStatus;
}

/**
 * Moves a booking to `to` if its current status allows it. Returns applied=false when the
 * booking already moved on (a duplicate or out-of-order event), which callers treat as done.
 * With `expectedFrom`, it moves only from that status: a caller that chose what to do from the
 * status it read earlier is told (applied=false) when a concurrent change got there first.
 */
export async function transitionBooking(
  tx: Tx,
  bookingId: string,
  to: BookingStatus,
  cause: string,
  data: Prisma.BookingUpdateManyMutationInput = {},
  expectedFrom?: BookingStatus,
): Promise<TransitionResult> {
  const current = await tx.booking.findUnique({ where: { id: bookingId }, select: { status: true } });
  if (!current) return { applied: false };
  if (expectedFrom && current.status !== expectedFrom) return { applied: false, from: current.status };
  if (!canTransition(current.status, to)) return { applied: false, from: current.status };
  const updated = await tx.booking.updateMany({
    where: { id: bookingId, status: current.status },
    data: { ...data, status: to },
  });
  if (updated.count !== 1) return { applied: false };
  await tx.bookingStatusChange.create({ data: { bookingId, from: current.status, to, cause } });
  return { applied: true, from: current.status };
}
