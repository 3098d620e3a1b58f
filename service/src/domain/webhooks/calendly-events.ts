// What each Calendly event means for a booking: invitee.created reconciles bookings the widget
// never reported, invitee.canceled cancels (and refunds per policy), and a reschedule moves
// the booking, and its payment, to the new slot.
import type { Builder, SessionType } from "../../generated/prisma/client.js";
import { type CalendlyWebhookBody, type InviteeWebhookPayload, uuidFromUri } from "../../providers/calendly.js";
import { cancelBooking, openBooking, reschedule } from "../booking/lifecycle.js";
import { bookingIdFromTracking, recordScheduled } from "../booking/scheduling.js";
import { isUniqueViolation } from "../bookings.js";
import type { DomainContext } from "../context.js";
import { runSideEffects } from "../side-effects.js";
import type { VerifiedBooking } from "../verification.js";
import type { Handler } from "./ingest.js";

/** Calendly has no event id; an invitee is created and canceled at most once each. */
export function calendlyEventId(body: CalendlyWebhookBody): string {
  return `${body.event}:${body.payload.uri}`;
}

function verifiedFrom(payload: InviteeWebhookPayload): VerifiedBooking {
  return {
    eventUri: payload.scheduled_event.uri,
    inviteeUri: payload.uri,
    startTime: new Date(payload.scheduled_event.start_time),
    endTime: new Date(payload.scheduled_event.end_time),
    inviteeName: payload.name,
    inviteeEmail: payload.email,
    timezone: payload.timezone,
    utmContent: payload.tracking?.utm_content ?? null,
  };
}

async function builderForEvent(
  ctx: DomainContext,
  payload: InviteeWebhookPayload,
): Promise<{ builder: Builder; sessionType: SessionType } | null> {
  const eventType = uuidFromUri(payload.scheduled_event.event_type);
  // A session type attached to this event type first; else the builder whose event type it is.
  const attached = await ctx.prisma.sessionType.findMany({
    where: { active: true, calendlyEventTypeUri: { not: null }, builder: { isDemo: false } },
    include: { builder: true },
  });
  const byType = attached.find((s) => uuidFromUri(s.calendlyEventTypeUri!) === eventType);
  if (byType) return { builder: byType.builder, sessionType: byType };
  const builders = await ctx.prisma.builder.findMany({
    where: { isDemo: false, calendlyEventTypeUri: { not: null } },
    include: { sessionTypes: { where: { active: true }, orderBy: { position: "asc" } } },
  });
  const builder = builders.find((b) => uuidFromUri(b.calendlyEventTypeUri!) === eventType);
  const sessionType = builder?.sessionTypes[0];
  return builder && sessionType ? { builder, sessionType } : null;
}

async function inviteeCreated(ctx: DomainContext, payload: InviteeWebhookPayload): Promise<string> {
  if (payload.old_invitee) {
    const moved = await moveRescheduled(ctx, payload);
    if (moved) return moved;
  }
  if (await ctx.prisma.booking.findUnique({ where: { calendlyInviteeUri: payload.uri } })) return "already_known";
  if (payload.status !== "active" || payload.scheduled_event.status !== "active") return "already_canceled";
  const payFirstId = bookingIdFromTracking(payload.tracking?.utm_content);
  if (payFirstId) return payFirstBooked(ctx, payFirstId, payload);
  const attemptId = payload.tracking?.utm_content ?? null;
  const attempt = attemptId
    ? await ctx.prisma.bookingAttempt.findUnique({
        where: { id: attemptId },
        include: { builder: true, sessionType: true, booking: true },
      })
    : null;
  const owner = attempt && !attempt.booking ? attempt : await builderForEvent(ctx, payload);
  if (!owner) return "not_ours";
  try {
    await ctx.prisma.$transaction((tx) =>
      openBooking(tx, ctx, {
        verified: verifiedFrom(payload),
        builder: owner.builder,
        sessionType: owner.sessionType,
        attemptId: attempt && !attempt.booking ? attempt.id : null,
        siteId: attempt?.siteId ?? null,
        cause: "slot scheduled in Calendly; reported by the invitee.created webhook",
      }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) return "already_known";
    throw error;
  }
  return "booking_created";
}

/**
 * The invitee the service booked for a paid pay-first booking: it confirms the booking when
 * Calendly's answer to the booking call was lost. Never a second booking.
 */
async function payFirstBooked(ctx: DomainContext, bookingId: string, payload: InviteeWebhookPayload): Promise<string> {
  const booking = await ctx.prisma.booking.findUnique({ where: { id: bookingId } });
  if (booking?.flow !== "PAY_FIRST") return "not_ours";
  if (
    booking.status !== "SCHEDULING" ||
    booking.startTime.getTime() !== Date.parse(payload.scheduled_event.start_time)
  ) {
    return "already_known";
  }
  const outcome = await recordScheduled(
    ctx,
    bookingId,
    {
      eventUri: payload.scheduled_event.uri,
      inviteeUri: payload.uri,
      startTime: new Date(payload.scheduled_event.start_time),
      endTime: new Date(payload.scheduled_event.end_time),
    },
    "booked in Calendly through the Scheduling API; reported by the invitee.created webhook",
  );
  await runSideEffects(ctx, { bookingId }, { ignoreBackoff: true, throwOnError: false });
  return outcome === "confirmed" ? "pay_first_confirmed" : outcome;
}

async function moveRescheduled(ctx: DomainContext, payload: InviteeWebhookPayload): Promise<string | null> {
  const old = await ctx.prisma.booking.findUnique({ where: { calendlyInviteeUri: payload.old_invitee! } });
  if (!old) return null;
  const { outcome, bookingIds } = await reschedule(ctx, old.id, {
    eventUri: payload.scheduled_event.uri,
    inviteeUri: payload.uri,
    startTime: new Date(payload.scheduled_event.start_time),
    endTime: new Date(payload.scheduled_event.end_time),
  });
  await runSideEffects(ctx, { bookingId: { in: bookingIds } }, { ignoreBackoff: true });
  return outcome;
}

async function inviteeCanceled(ctx: DomainContext, payload: InviteeWebhookPayload): Promise<string> {
  // A reschedule cancels the old invitee; the new invitee.created carries the booking over.
  if (payload.rescheduled) return "rescheduling";
  const booking = await ctx.prisma.booking.findUnique({ where: { calendlyInviteeUri: payload.uri } });
  if (!booking) return "not_ours";
  const outcome = await cancelBooking(ctx, booking.id, {
    cancelledAt: new Date(payload.cancellation?.created_at ?? payload.updated_at ?? Date.now()),
    byBuilder: payload.cancellation?.canceler_type === "host",
    reason: payload.cancellation?.reason ?? null,
    source: "invitee.canceled in Calendly",
  });
  // Also on a redelivery: it finishes what an earlier delivery left undone (a refund that failed).
  await runSideEffects(ctx, { bookingId: booking.id }, { ignoreBackoff: true });
  return outcome;
}

export function calendlyHandler(ctx: DomainContext, body: CalendlyWebhookBody): Handler | null {
  // The host's calendar changed in Calendly: their cached available times are read afresh
  // (events other than the invitee's carry no scheduled event, and change nothing).
  ctx.availability.invalidateForEvent(body.payload.scheduled_event);
  switch (body.event) {
    case "invitee.created":
      return () => inviteeCreated(ctx, body.payload);
    case "invitee.canceled":
      return () => inviteeCanceled(ctx, body.payload);
    default:
      return null;
  }
}
