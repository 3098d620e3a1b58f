// Holds: an unpaid booking keeps its Calendly slot until its hold expires. Stripe's
// `checkout.session.expired` normally releases it; the sweeper catches holds whose event was
// lost, and retries side effects that failed. Safe with several instances running at once.
import type { Booking } from "../generated/prisma/client.js";
import { type Periodic, startPeriodic } from "../lib/periodic.js";
import { releaseHold } from "./booking/lifecycle.js";
import { refundUnbooked } from "./booking/scheduling.js";
import type { DomainContext } from "./context.js";
import { applyCheckoutSession } from "./fulfilment.js";
import { runSideEffects } from "./side-effects.js";

/** Releases one expired hold, unless Stripe says its payment completed meanwhile. */
export async function releaseExpiredHold(ctx: DomainContext, booking: Booking, cause: string): Promise<boolean> {
  const payment = await ctx.prisma.payment.findFirst({
    where: { bookingId: booking.id },
    orderBy: { createdAt: "desc" },
  });
  if (payment?.checkoutSessionId) {
    // Ask Stripe first: a payment that completed while its event was in flight wins.
    const session = await ctx.metrics.time("stripe", "retrieve_session", () =>
      ctx.providers.stripe.checkout.sessions.retrieve(payment.checkoutSessionId!),
    );
    if (session.status === "complete") {
      await applyCheckoutSession(ctx, session, "hold sweeper found the session complete");
      return false;
    }
  }
  const released = await releaseHold(ctx, booking.id, { to: "EXPIRED", cause, expireCheckout: true });
  await runSideEffects(ctx, { bookingId: booking.id }, { throwOnError: false });
  return released;
}

export interface SweepResult {
  released: number;
  sideEffectsDone: number;
  sideEffectsFailed: number;
}

/** One sweep: release stale holds, then retry side effects that are due. */
export async function sweep(ctx: DomainContext, { graceSeconds = 30, batch = 100 } = {}): Promise<SweepResult> {
  const stale = await ctx.prisma.booking.findMany({
    where: { status: "PENDING_PAYMENT", holdExpiresAt: { lt: new Date(Date.now() - graceSeconds * 1000) } },
    orderBy: { holdExpiresAt: "asc" },
    take: batch,
  });
  let released = 0;
  for (const booking of stale) {
    try {
      if (await releaseExpiredHold(ctx, booking, "hold expired (sweeper)")) released++;
    } catch (error) {
      ctx.log.warn({ bookingId: booking.id, err: error }, "could not release hold; will retry");
    }
  }
  released += await refundLapsedRebookings(ctx, batch);
  const effects = await runSideEffects(ctx, {}, { throwOnError: false });
  return { released, sideEffectsDone: effects.done, sideEffectsFailed: effects.failed };
}

/** Pay first: a paid visitor who did not pick a new time within the window is refunded in full. */
async function refundLapsedRebookings(ctx: DomainContext, batch: number): Promise<number> {
  const lapsed = await ctx.prisma.booking.findMany({
    where: { status: "NEEDS_NEW_TIME", rebookBy: { lt: new Date() } },
    orderBy: { rebookBy: "asc" },
    take: batch,
    select: { id: true },
  });
  let refunded = 0;
  for (const { id } of lapsed) {
    try {
      if (await refundUnbooked(ctx, id, "no new time was picked within the window; refunded in full")) refunded++;
      await runSideEffects(ctx, { bookingId: id }, { throwOnError: false });
    } catch (error) {
      ctx.log.warn({ bookingId: id, err: error }, "could not refund a lapsed rebooking; will retry");
    }
  }
  return refunded;
}

/** Runs `sweep` every interval until stopped; overlapping sweeps on one instance are skipped. */
export function startSweeper(ctx: DomainContext, intervalSeconds: number): Periodic {
  return startPeriodic(
    () => sweep(ctx),
    intervalSeconds,
    (error) => ctx.log.warn({ err: error }, "hold sweep failed"),
  );
}
