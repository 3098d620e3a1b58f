// Slots our own visitors hold, which Calendly does not know about yet (a pay-first reservation
// awaiting payment or being booked) or which our database already counts as booked.
import type { DomainContext } from "../context.js";

export interface Interval {
  start: number;
  end: number;
}

/** No session is longer than this; it bounds the index range scanned for bookings overlapping the window. */
const LONGEST_SESSION_MS = 24 * 60 * 60 * 1000;

/**
 * The builder's held intervals that a session starting in [fromMs, toMs) may overlap: one query
 * on the (builderId, startTime) index.
 */
export async function heldIntervals(ctx: DomainContext, builderId: string, fromMs: number, toMs: number) {
  const rows = await ctx.prisma.booking.findMany({
    where: {
      builderId,
      startTime: { gte: new Date(fromMs - LONGEST_SESSION_MS), lt: new Date(toMs + LONGEST_SESSION_MS) },
      endTime: { gt: new Date(fromMs) },
      OR: [{ status: "CONFIRMED" }, { flow: "PAY_FIRST", status: { in: ["PENDING_PAYMENT", "SCHEDULING"] } }],
    },
    select: { startTime: true, endTime: true },
  });
  return rows.map((r): Interval => ({ start: r.startTime.getTime(), end: r.endTime.getTime() }));
}

/** Whether a session [start, end) overlaps any held interval. */
export function overlapsHeld(start: number, end: number, held: Interval[]): boolean {
  return held.some((h) => start < h.end && h.start < end);
}
