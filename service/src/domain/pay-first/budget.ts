// Calendly's Scheduling API limits POST /invitees per Calendly user (per minute, hour and day).
// Pay-first must never take money it cannot turn into a booking, so a reservation counts against
// the builder's budget from the moment it is made: the calls already made in each window plus
// the paid-or-paying reservations not yet booked must stay below the limit. A 429 from Calendly
// closes the budget until the reset it announced.
import type { DomainContext } from "../context.js";

export type Budget = { open: true } | { open: false; reopensAt: Date };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface BudgetFacts {
  /** Start times (ms) of the calls Calendly counted (rate-limited answers are not counted). */
  calls: number[];
  /** Reservations in flight: pay-first bookings awaiting payment or booking. */
  inFlight: number;
  /** The latest reset a 429 announced, if still ahead. */
  blockedUntil: number | null;
}

/**
 * Whether one more reservation fits. Per hour and per day the in-flight reservations count, as
 * each will make a call; the per-minute limit only delays a booking (it is retried), so it does not.
 */
export function decideBudget(
  facts: BudgetFacts,
  limits: { perMinute: number; perHour: number; perDay: number },
  now: number,
): Budget {
  if (facts.blockedUntil !== null && facts.blockedUntil > now)
    return { open: false, reopensAt: new Date(facts.blockedUntil) };
  const windows = [
    { ms: HOUR, limit: limits.perHour },
    { ms: DAY, limit: limits.perDay },
  ];
  let reopensAt = 0;
  for (const { ms, limit } of windows) {
    const inWindow = facts.calls.filter((t) => t > now - ms).sort((a, b) => a - b);
    const over = inWindow.length + facts.inFlight + 1 - limit;
    if (over > 0) {
      // The window has room again once `over` of its calls have aged out (or reservations ended).
      const oldest = inWindow[Math.min(over, inWindow.length) - 1];
      reopensAt = Math.max(reopensAt, oldest !== undefined ? oldest + ms : now + MINUTE);
    }
  }
  return reopensAt > 0 ? { open: false, reopensAt: new Date(reopensAt) } : { open: true };
}

/**
 * The calls Calendly counted against the builder in the last minute, and when the oldest of them
 * leaves the window: the Scheduling API's per-minute limit delays a booking rather than refusing it.
 */
export async function minuteWindow(
  ctx: DomainContext,
  builderId: string,
): Promise<{ calls: number; freeAt: Date | null }> {
  const since = new Date(Date.now() - MINUTE);
  const rows = await ctx.prisma.schedulingApiCall.findMany({
    where: { builderId, at: { gt: since }, outcome: { not: "RATE_LIMITED" } },
    orderBy: { at: "asc" },
    select: { at: true },
  });
  return { calls: rows.length, freeAt: rows[0] ? new Date(rows[0].at.getTime() + MINUTE) : null };
}

/** The builder's budget now, read from the calls recorded and the reservations in flight. */
export async function schedulingBudget(
  ctx: DomainContext,
  builderId: string,
  db: Pick<DomainContext["prisma"], "schedulingApiCall" | "booking"> = ctx.prisma,
): Promise<Budget> {
  const now = Date.now();
  const since = new Date(now - DAY);
  const [calls, inFlight, blocked] = await Promise.all([
    db.schedulingApiCall.findMany({
      where: { builderId, at: { gt: since }, outcome: { not: "RATE_LIMITED" } },
      select: { at: true },
    }),
    db.booking.count({
      where: { builderId, flow: "PAY_FIRST", status: { in: ["PENDING_PAYMENT", "SCHEDULING", "NEEDS_NEW_TIME"] } },
    }),
    db.schedulingApiCall.findFirst({
      where: { builderId, outcome: "RATE_LIMITED", retryAt: { gt: new Date(now) } },
      orderBy: { retryAt: "desc" },
      select: { retryAt: true },
    }),
  ]);
  return decideBudget(
    { calls: calls.map((c) => c.at.getTime()), inFlight, blockedUntil: blocked?.retryAt?.getTime() ?? null },
    ctx.config.payFirst.schedulingLimits,
    now,
  );
}
