// The doctor's report on pay first, then book: the Scheduling API limits the service keeps to,
// builders who chose pay-first but cannot be booked that way, and each builder's Calendly booking
// budget as used today (read from the database; nothing is called).
import { decideBookability } from "../domain/bookability.js";
import { decideBudget } from "../domain/pay-first/budget.js";
import { payFirstBlock } from "../domain/pay-first/offer.js";
import { type DoctorInput, dbNotReady, type Report } from "./doctor-report.js";

const WHY: Record<string, string> = {
  not_bookable: "it cannot be booked at all",
  builder_chose_embedded: "it chose the embedded flow",
  no_event_type: "it has no Calendly event type to book (no event URL, no session type attached to an event type)",
};

export async function payFirstChecks(r: Report, input: DoctorInput, dbReady: boolean): Promise<void> {
  r.in("Calendly");
  const { payFirst } = input.config;
  const { perMinute, perHour, perDay } = payFirst.schedulingLimits;
  r.info(
    `pay first: Calendly's Scheduling API limits kept per builder ${perMinute}/minute, ${perHour}/hour, ${perDay}/day ` +
      `(CALENDLY_SCHEDULING_LIMITS); available times cached ${payFirst.availabilityCacheSeconds} s`,
  );
  if (!dbReady || !input.db) {
    r.info(`pay-first builders not checked: ${dbNotReady(input)}`);
    return;
  }
  const since = new Date(Date.now() - 24 * 60 * 60 * 1000);
  const builders = await input.db.prisma.builder.findMany({
    where: { isDemo: false },
    include: {
      sessionTypes: true,
      payoutAccount: true,
      schedulingCalls: { where: { at: { gt: since } }, select: { at: true, outcome: true, retryAt: true } },
      _count: {
        select: {
          bookings: {
            where: { flow: "PAY_FIRST", status: { in: ["PENDING_PAYMENT", "SCHEDULING", "NEEDS_NEW_TIME"] } },
          },
        },
      },
    },
    orderBy: { slug: "asc" },
  });
  const now = Date.now();
  for (const b of builders) {
    const who = `builder ${b.name} (${b.slug})`;
    const block = payFirstBlock(b, decideBookability(b, input.config.payouts.mode));
    if (b.bookingFlow === "PAY_FIRST" && block) {
      r.warn(
        `${who} chose pay-first but cannot be booked that way: ${WHY[block] ?? block}; the element uses the embedded flow`,
        "attach the session type to a Calendly event type, or set the builder's calendlyEventUrl",
      );
    }
    const counted = b.schedulingCalls.filter((c) => c.outcome !== "RATE_LIMITED");
    if (counted.length === 0 && b._count.bookings === 0) continue;
    const blockedUntil = Math.max(
      0,
      ...b.schedulingCalls.flatMap((c) => (c.retryAt && c.retryAt.getTime() > now ? [c.retryAt.getTime()] : [])),
    );
    const budget = decideBudget(
      { calls: counted.map((c) => c.at.getTime()), inFlight: b._count.bookings, blockedUntil: blockedUntil || null },
      payFirst.schedulingLimits,
      now,
    );
    const use = `${counted.length} of ${perDay} Scheduling API bookings in the last 24 h, ${b._count.bookings} paid or paying in flight`;
    if (budget.open) r.pass(`${who}: ${use}`);
    else {
      r.warn(
        `${who}: ${use}; pay-first is not offered until ${budget.reopensAt.toISOString()}`,
        "nothing to fix if this is expected traffic; on a higher Calendly plan, raise CALENDLY_SCHEDULING_LIMITS to match it",
      );
    }
  }
}
