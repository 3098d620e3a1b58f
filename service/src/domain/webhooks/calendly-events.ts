// What each Calendly event means for a booking: invitee.created reconciles bookings the widget
// never reported, invitee.canceled cancels (and refunds per policy), and a reschedule moves
// the booking, and its payment, to the new slot.
import type { Booking, Builder, SessionType } from "../../generated/prisma/client.js";
import { type CalendlyWebhookBody, type InviteeWebhookPayload, uuidFromUri } from "../../providers/calendly.js";
import { transition } from "../booking-states.js";
import { insertVerifiedBooking, isUniqueViolation } from "../bookings.js";
import type { DomainContext } from "../context.js";
import { refundFor } from "../refund-policy.js";
import { enqueueSideEffect, runSideEffects } from "../side-effects.js";
import type { VerifiedBooking } from "../verification.js";
import type { Handler } from "./ingest.js";

/** A cancellation found the booking in another status than the one it was decided on. */
const STATUS_CHANGED = "status_changed";

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
      insertVerifiedBooking(tx, ctx, {
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

async function moveRescheduled(ctx: DomainContext, payload: InviteeWebhookPayload): Promise<string | null> {
  const old = await ctx.prisma.booking.findUnique({ where: { calendlyInviteeUri: payload.old_invitee! } });
  if (!old) return null;
  await ctx.prisma.$transaction(async (tx) => {
    await tx.booking.update({
      where: { id: old.id },
      data: {
        calendlyEventUri: payload.scheduled_event.uri,
        calendlyInviteeUri: payload.uri,
        startTime: new Date(payload.scheduled_event.start_time),
        endTime: new Date(payload.scheduled_event.end_time),
      },
    });
    await tx.bookingStatusChange.create({
      data: {
        bookingId: old.id,
        from: old.status,
        to: old.status,
        cause: `rescheduled in Calendly to ${payload.scheduled_event.start_time}`,
      },
    });
  });
  return "rescheduled";
}

async function cancelConfirmed(ctx: DomainContext, booking: Booking, payload: InviteeWebhookPayload): Promise<string> {
  const builder = await ctx.prisma.builder.findUniqueOrThrow({ where: { id: booking.builderId } });
  const payment = await ctx.prisma.payment.findFirst({ where: { bookingId: booking.id, status: "PAID" } });
  const byBuilder = payload.cancellation?.canceler_type === "host";
  const decision = refundFor(
    builder,
    payment?.amount ?? 0,
    booking.startTime,
    new Date(payload.cancellation?.created_at ?? payload.updated_at ?? Date.now()),
    byBuilder,
  );
  const applied = await ctx.prisma.$transaction(async (tx) => {
    const moved = await transition(
      tx,
      booking.id,
      "CANCELLED",
      `invitee.canceled in Calendly; ${decision.reason}`,
      { cancelReason: payload.cancellation?.reason ?? null },
      "CONFIRMED",
    );
    if (!moved.applied) return false;
    if (!payment?.paymentIntentId || decision.amount === 0) return true;
    await enqueueSideEffect(tx, booking.id, `refund_cancel_${booking.id}`, {
      kind: "REFUND",
      paymentId: payment.id,
      paymentIntentId: payment.paymentIntentId,
      amount: decision.amount,
      currency: payment.currency,
      reason: decision.reason,
    });
    return true;
  });
  if (!applied) return STATUS_CHANGED;
  ctx.metrics.step("cancelled");
  return decision.amount > 0 ? "cancelled_refunding" : "cancelled_no_refund";
}

async function cancelPending(ctx: DomainContext, booking: Booking): Promise<string> {
  const applied = await ctx.prisma.$transaction(async (tx) => {
    const moved = await transition(
      tx,
      booking.id,
      "CANCELLED",
      "invitee.canceled in Calendly before paying",
      {},
      "PENDING_PAYMENT",
    );
    if (!moved.applied) return false;
    const payment = await tx.payment.findFirst({ where: { bookingId: booking.id, status: "OPEN" } });
    if (payment?.checkoutSessionId) {
      // Conditional: a payment completing at this moment stays PAID (and is refunded as late).
      await tx.payment.updateMany({ where: { id: payment.id, status: "OPEN" }, data: { status: "EXPIRED" } });
      await enqueueSideEffect(tx, booking.id, `expire_checkout_${payment.id}`, {
        kind: "EXPIRE_CHECKOUT",
        checkoutSessionId: payment.checkoutSessionId,
      });
    }
    return true;
  });
  if (!applied) return STATUS_CHANGED;
  ctx.metrics.step("cancelled");
  return "cancelled_before_payment";
}

async function inviteeCanceled(ctx: DomainContext, payload: InviteeWebhookPayload): Promise<string> {
  // A reschedule cancels the old invitee; the new invitee.created carries the booking over.
  if (payload.rescheduled) return "rescheduling";
  let booking = await ctx.prisma.booking.findUnique({ where: { calendlyInviteeUri: payload.uri } });
  if (!booking) return "not_ours";
  let outcome = STATUS_CHANGED;
  // What a cancellation does depends on the status (a refund once paid), and the payment's own
  // event may change it concurrently: when it did, decide again from the new status.
  for (let round = 0; outcome === STATUS_CHANGED; round++) {
    if (round === 3) throw new Error("the booking kept changing while its cancellation was applied; retry");
    if (round > 0) booking = await ctx.prisma.booking.findUniqueOrThrow({ where: { id: booking.id } });
    outcome =
      booking.status === "CONFIRMED"
        ? await cancelConfirmed(ctx, booking, payload)
        : booking.status === "PENDING_PAYMENT"
          ? await cancelPending(ctx, booking)
          : "no_change";
  }
  // Also on a redelivery: it finishes what an earlier delivery left undone (a refund that failed).
  await runSideEffects(ctx, { bookingId: booking.id }, { ignoreBackoff: true });
  return outcome;
}

export function calendlyHandler(ctx: DomainContext, body: CalendlyWebhookBody): Handler | null {
  switch (body.event) {
    case "invitee.created":
      return () => inviteeCreated(ctx, body.payload);
    case "invitee.canceled":
      return () => inviteeCanceled(ctx, body.payload);
    default:
      return null;
  }
}
