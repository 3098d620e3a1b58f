// Slots our own visitors hold, which Calendly does not know about yet (a pay-first reservation
// awaiting payment or being booked) or which our database already counts as booked. Read on
// every view, never cached, in plain SQL: Prisma's per-query cost was most of the route's.
import type { DomainContext } from "../context.js";

export interface Interval {
  start: number;
  end: number;
}

/** No session is longer than this; it bounds the index range scanned for bookings overlapping the window. */
const LONGEST_SESSION_MS = 24 * 60 * 60 * 1000;

// The index on ("builderId", "startTime") bounds the scan; the partial unique indexes name the
// same statuses (one CONFIRMED booking, one pay-first reservation in flight per slot).
export const HELD_INTERVALS = `
SELECT (EXTRACT(EPOCH FROM "startTime") * 1000)::float8 AS start, (EXTRACT(EPOCH FROM "endTime") * 1000)::float8 AS "end"
  FROM "Booking"
 WHERE "builderId" = $1::uuid AND "startTime" >= $2::timestamptz AND "startTime" < $3::timestamptz
   AND "endTime" > $4::timestamptz
   AND (status = 'CONFIRMED' OR (flow = 'PAY_FIRST' AND status IN ('PENDING_PAYMENT', 'SCHEDULING')))`;

/**
 * The builder's held intervals that a session starting in [fromMs, toMs) may overlap: one query
 * on the (builderId, startTime) index.
 */
export async function heldIntervals(
  ctx: Pick<DomainContext, "sql">,
  builderId: string,
  fromMs: number,
  toMs: number,
): Promise<Interval[]> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const { rows } = await ctx.sql.query<Interval>(HELD_INTERVALS, [
    builderId,
    iso(fromMs - LONGEST_SESSION_MS),
    iso(toMs + LONGEST_SESSION_MS),
    iso(fromMs),
  ]);
  return rows.map((r) => ({ start: Number(r.start), end: Number(r.end) }));
}

/** Whether a session [start, end) overlaps any held interval. */
export function overlapsHeld(start: number, end: number, held: Interval[]): boolean {
  for (const h of held) if (start < h.end && h.start < end) return true;
  return false;
}
