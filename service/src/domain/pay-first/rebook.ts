// Pay first: a paid visitor whose time was taken before it could be booked picks another.
import { conflict, notFound, unprocessable } from "../../lib/errors.js";
import { isSlotOpen } from "../availability/index.js";
import { rebook, slotUnavailable } from "../booking/scheduling.js";
import type { DomainContext } from "../context.js";
import { runSideEffects } from "../side-effects.js";

export async function rebookPaid(ctx: DomainContext, bookingId: string, startTime: string): Promise<void> {
  const booking = await ctx.prisma.booking.findUnique({
    where: { id: bookingId },
    include: { builder: true, sessionType: true },
  });
  if (!booking) throw notFound("booking_not_found", "booking: not found, or the token does not match");
  if (booking.flow !== "PAY_FIRST" || booking.status !== "NEEDS_NEW_TIME") {
    throw conflict(
      "rebook_window_closed",
      `booking: is ${booking.status}; only a paid booking whose time was taken can pick another`,
    );
  }
  const start = new Date(startTime);
  if (start.getTime() < Date.now() + 5 * 60_000) {
    throw unprocessable("start_too_soon", "startTime: must be at least 5 minutes from now", "startTime");
  }
  if (!(await isSlotOpen(ctx, booking.builder, booking.sessionType, start))) throw slotUnavailable();
  await rebook(ctx, bookingId, start);
  // Book it now; a failure is retried by the sweeper, and the visitor's page keeps polling.
  await runSideEffects(ctx, { bookingId }, { throwOnError: false, ignoreBackoff: true });
}
