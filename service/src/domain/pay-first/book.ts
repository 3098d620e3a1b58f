// Pay first: books a paid booking's time with Calendly's Scheduling API (POST /invitees), with
// the builder's own token, exactly once. It runs as an outbox effect: a retry first looks for the
// invitee an earlier attempt may have made (by the tracking value only we send), the builder's
// per-minute limit delays it rather than being hit, a 429 waits for Calendly's reset, and the
// money is never kept without a booking: a taken time is offered again, anything else refunded.
import type { Booking, Builder, SessionType, SideEffect } from "../../generated/prisma/client.js";
import { type CalendlyClient, type CalendlyError, type Invitee, isCalendlyError } from "../../providers/calendly.js";
import { isSlotOpen } from "../availability/index.js";
import { markSlotTaken, recordScheduled, refundUnbooked, trackingFor } from "../booking/scheduling.js";
import { calendlyFor } from "../calendly-connections/client.js";
import type { DomainContext } from "../context.js";
import { SideEffectDeferred } from "../side-effects.js";
import { minuteWindow } from "./budget.js";

/** After this many attempts that Calendly did not answer, the payment is refunded. */
export const BOOK_MAX_ATTEMPTS = 10;

type Outcome = "BOOKED" | "SLOT_TAKEN" | "RATE_LIMITED" | "FAILED";

function recordCall(ctx: DomainContext, booking: Booking, outcome: Outcome, retryAt: Date | null = null) {
  return ctx.prisma.schedulingApiCall.create({
    data: { builderId: booking.builderId, bookingId: booking.id, outcome, retryAt },
  });
}

/** The invitee an earlier attempt made for this booking, if Calendly has it. */
async function findBooked(
  ctx: DomainContext,
  calendly: CalendlyClient,
  booking: Booking & { builder: Builder },
): Promise<Invitee | null> {
  const user = booking.builder.calendlyUserUri ?? (await calendly.getCurrentUser()).uri;
  const events = await ctx.metrics.time("calendly", "list_events", () =>
    calendly.listScheduledEvents({
      user,
      inviteeEmail: booking.inviteeEmail,
      minStartTime: booking.startTime.toISOString(),
      maxStartTime: new Date(booking.startTime.getTime() + 1000).toISOString(),
      status: "active",
    }),
  );
  for (const event of events.collection) {
    const invitees = await ctx.metrics.time("calendly", "list_invitees", () =>
      calendly.listEventInvitees(event.uri, { email: booking.inviteeEmail, status: "active" }),
    );
    const ours = invitees.collection.find((i) => i.tracking?.utm_content === trackingFor(booking.id));
    if (ours) return ours;
  }
  return null;
}

function confirmFrom(ctx: DomainContext, booking: Booking, invitee: Invitee, how: string) {
  return recordScheduled(
    ctx,
    booking.id,
    { eventUri: invitee.event, inviteeUri: invitee.uri, startTime: booking.startTime, endTime: booking.endTime },
    how,
  );
}

export async function bookInCalendly(ctx: DomainContext, effect: SideEffect, startTime: string): Promise<void> {
  const booking = await ctx.prisma.booking.findUniqueOrThrow({
    where: { id: effect.bookingId },
    include: { builder: true, sessionType: true },
  });
  // Moved on (booked by the webhook's report, refunded, or a new time picked since): nothing to do.
  if (booking.status !== "SCHEDULING" || booking.startTime.toISOString() !== startTime) return;
  if (!booking.calendlyEventTypeUri) throw new Error("a pay-first booking without its event type");
  const calendly = calendlyFor(ctx, booking.builder);
  try {
    if (effect.attempts > 1) {
      const found = await findBooked(ctx, calendly, booking);
      if (found) {
        await confirmFrom(ctx, booking, found, "found booked in Calendly by an earlier attempt");
        return;
      }
      if (effect.attempts > BOOK_MAX_ATTEMPTS) {
        await refundUnbooked(ctx, booking.id, "Calendly could not be reached to book the time; refunded in full");
        return;
      }
    }
    if (booking.startTime.getTime() <= Date.now() + 60_000) {
      await markSlotTaken(ctx, booking.id, "the time passed before Calendly could book it");
      return;
    }
    const minute = await minuteWindow(ctx, booking.builderId);
    if (minute.calls >= ctx.config.payFirst.schedulingLimits.perMinute && minute.freeAt) {
      throw new SideEffectDeferred(minute.freeAt, "the builder's per-minute Scheduling API limit");
    }
    const invitee = await ctx.metrics.time("calendly", "create_invitee", () =>
      calendly.createInvitee({
        event_type: booking.calendlyEventTypeUri!,
        start_time: booking.startTime.toISOString(),
        invitee: { name: booking.inviteeName, email: booking.inviteeEmail, timezone: booking.timezone ?? "UTC" },
        ...(Array.isArray(booking.questionsAndAnswers) && booking.questionsAndAnswers.length > 0
          ? {
              questions_and_answers: booking.questionsAndAnswers as {
                question: string;
                answer: string;
                position: number;
              }[],
            }
          : {}),
        tracking: { utm_source: "baw-booking", utm_content: trackingFor(booking.id) },
      }),
    );
    await recordCall(ctx, booking, "BOOKED");
    // The time is gone from the builder's calendar: no instance offers it again (webhook or not).
    ctx.availability.invalidateBuilder(booking.builderId);
    await confirmFrom(ctx, booking, invitee, "booked in Calendly through the Scheduling API after payment");
  } catch (error) {
    if (error instanceof SideEffectDeferred || !isCalendlyError(error)) throw error;
    await settleRefusal(ctx, booking, error);
  }
}

async function settleRefusal(
  ctx: DomainContext,
  booking: Booking & { builder: Builder; sessionType: SessionType },
  error: CalendlyError,
): Promise<void> {
  if (error.kind === "rate_limited") {
    const retryAt = new Date(Date.now() + Math.max(1000, error.retryAfterMs ?? 60_000));
    await recordCall(ctx, booking, "RATE_LIMITED", retryAt);
    throw new SideEffectDeferred(retryAt, "Calendly's Scheduling API limit");
  }
  if (error.kind === "timeout" || error.kind === "network" || error.kind === "server") {
    // It may have booked: counted, and the retry looks for the invitee before booking again.
    await recordCall(ctx, booking, "FAILED");
    throw error;
  }
  if (error.kind === "invalid" || error.kind === "not_found") {
    // Calendly's refusal is prose; whether it still offers the time tells a taken slot apart.
    const offered = await isSlotOpen(ctx, booking.builder, booking.sessionType, booking.startTime).catch(() => null);
    if (offered === null) throw error;
    if (!offered) {
      await recordCall(ctx, booking, "SLOT_TAKEN");
      ctx.availability.invalidateBuilder(booking.builderId);
      await markSlotTaken(ctx, booking.id, "the time was taken in Calendly before it could be booked");
      return;
    }
  }
  // Refused for good (the builder's grant, the event type, the invitee's details): refunded.
  await recordCall(ctx, booking, "FAILED");
  ctx.log.error({ bookingId: booking.id, kind: error.kind, status: error.status }, "Calendly refused a paid booking");
  await refundUnbooked(ctx, booking.id, `Calendly refused the booking (${error.title}); refunded in full`);
}
