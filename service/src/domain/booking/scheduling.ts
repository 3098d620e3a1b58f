// Pay first, then book: the lifecycle operations of a pay-first booking. A reservation holds a
// start time among our own visitors (a partial unique index: one in flight per builder and start)
// while the visitor pays; payment moves it to SCHEDULING and queues the Calendly booking (an
// outbox effect); Calendly's answer confirms it, or, when the slot was taken meanwhile, the
// payment is held (NEEDS_NEW_TIME) until the visitor picks another time or the window closes
// and the payment is refunded in full. Part of the lifecycle's one owner of booking status.
import type { Booking, Builder, Prisma, SessionType } from "../../generated/prisma/client.js";
import { AppError, conflict } from "../../lib/errors.js";
import { sha256 } from "../../lib/ids.js";
import { bookingToken } from "../booking-token.js";
import { isUniqueViolation } from "../bookings.js";
import type { DomainContext } from "../context.js";
import { enqueueSideEffect } from "../side-effects.js";
import { transitionBooking } from "./booking-states.js";
import { cancelEventEffect, openPayment, refundEffect } from "./lifecycle.js";

type Tx = Prisma.TransactionClient;

export interface QuestionAnswer {
  question: string;
  answer: string;
  position: number;
}

export interface ReservationData {
  builder: Builder;
  sessionType: SessionType;
  eventTypeUri: string;
  /** What Calendly books: the event type's duration. */
  durationMinutes: number;
  startTime: Date;
  invitee: { name: string; email: string; timezone: string };
  questionsAndAnswers: QuestionAnswer[];
  siteId: string | null;
}

/** Calendly's tracking value on a pay-first booking: how a retry and the webhook recognise it. */
export const trackingFor = (bookingId: string) => `bk_${bookingId}`;

export function bookingIdFromTracking(utmContent: string | null | undefined): string | null {
  const match = /^bk_([0-9a-f-]{36})$/i.exec(utmContent ?? "");
  return match ? match[1]! : null;
}

export const slotUnavailable = () =>
  new AppError(409, "slot_unavailable", "startTime: this time is no longer available; pick another", {
    field: "startTime",
  });

/** Queues the Calendly booking of the booking's current start time (one effect per time tried). */
function bookEffect(tx: Tx, booking: Pick<Booking, "id" | "startTime">) {
  return enqueueSideEffect(tx, booking.id, `book_invitee_${booking.id}_${booking.startTime.getTime()}`, {
    kind: "BOOK_CALENDLY_INVITEE",
    startTime: booking.startTime.toISOString(),
  });
}

/**
 * Reserves the start time for this visitor, in the caller's transaction: PENDING_PAYMENT under a
 * hold with its payment, or (a free session) SCHEDULING at once. Throws slot_unavailable when
 * another of our visitors holds the same start.
 */
export async function openReservation(tx: Tx, ctx: DomainContext, data: ReservationData): Promise<Booking> {
  const free = data.sessionType.priceAmount === 0;
  const id = crypto.randomUUID();
  const cause = "time reserved in the pay-first picker (checked with Calendly's availability)";
  const row = {
    id,
    flow: "PAY_FIRST" as const,
    builderId: data.builder.id,
    sessionTypeId: data.sessionType.id,
    siteId: data.siteId,
    calendlyEventTypeUri: data.eventTypeUri,
    questionsAndAnswers: data.questionsAndAnswers as unknown as Prisma.InputJsonValue,
    inviteeName: data.invitee.name,
    inviteeEmail: data.invitee.email,
    timezone: data.invitee.timezone,
    startTime: data.startTime,
    endTime: new Date(data.startTime.getTime() + data.durationMinutes * 60_000),
    status: free ? ("SCHEDULING" as const) : ("PENDING_PAYMENT" as const),
    holdExpiresAt: free ? null : new Date(Date.now() + ctx.config.holdSeconds * 1000),
    accessTokenHash: sha256(bookingToken(ctx.config.bookingTokenSecret, id)),
  };
  let booking: Booking;
  try {
    booking = await tx.booking.create({ data: row });
  } catch (error) {
    if (isUniqueViolation(error)) throw slotUnavailable();
    throw error;
  }
  await tx.bookingStatusChange.create({
    data: { bookingId: id, from: null, to: booking.status, cause: free ? `${cause}; free session` : cause },
  });
  if (free) await bookEffect(tx, booking);
  else await openPayment(tx, booking, data.sessionType, cause);
  ctx.metrics.step("reserved");
  return booking;
}

/** Paid (called by confirmPaid in its transaction): PENDING_PAYMENT → SCHEDULING, and the booking queued. */
export async function startScheduling(tx: Tx, bookingId: string, cause: string): Promise<boolean> {
  const moved = await transitionBooking(tx, bookingId, "SCHEDULING", cause, { holdExpiresAt: null }, "PENDING_PAYMENT");
  if (!moved.applied) return false;
  await bookEffect(tx, await tx.booking.findUniqueOrThrow({ where: { id: bookingId } }));
  return true;
}

export interface BookedSlot {
  eventUri: string;
  inviteeUri: string;
  startTime: Date;
  endTime: Date;
}

/**
 * Calendly booked it: SCHEDULING → CONFIRMED with its URIs. When the same Calendly invitee is
 * already recorded (the webhook came first) nothing changes. A slot another booking of ours holds
 * CONFIRMED (Calendly accepted a second invitee, e.g. a group event type) is handled as taken:
 * the new Calendly event is cancelled and the visitor offered other times.
 */
export async function recordScheduled(
  ctx: DomainContext,
  bookingId: string,
  slot: BookedSlot,
  cause: string,
): Promise<"confirmed" | "slot_taken" | "no_change"> {
  try {
    const moved = await ctx.prisma.$transaction((tx) =>
      transitionBooking(
        tx,
        bookingId,
        "CONFIRMED",
        cause,
        {
          calendlyEventUri: slot.eventUri,
          calendlyInviteeUri: slot.inviteeUri,
          startTime: slot.startTime,
          endTime: slot.endTime,
          rebookBy: null,
        },
        "SCHEDULING",
      ),
    );
    if (!moved.applied) {
      await cancelStray(ctx, bookingId, slot);
      return "no_change";
    }
    ctx.metrics.step("booked_in_calendly");
    return "confirmed";
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  const taken = await markSlotTaken(
    ctx,
    bookingId,
    "Calendly booked the time, but another booking here holds it confirmed",
    slot.eventUri,
  );
  return taken ? "slot_taken" : "no_change";
}

/**
 * Calendly booked a time for a booking that no longer wants it (refunded or cancelled while the
 * booking call was in flight): that Calendly event is cancelled, so no one holds a time unpaid.
 */
async function cancelStray(ctx: DomainContext, bookingId: string, slot: BookedSlot): Promise<void> {
  const now = await ctx.prisma.booking.findUnique({
    where: { id: bookingId },
    select: { status: true, calendlyInviteeUri: true },
  });
  if (!now || now.status === "SCHEDULING" || now.calendlyInviteeUri === slot.inviteeUri) return;
  await ctx.prisma.$transaction((tx) =>
    enqueueSideEffect(tx, bookingId, `cancel_stray_${slot.eventUri}`, {
      kind: "CANCEL_CALENDLY_EVENT",
      eventUri: slot.eventUri,
      reason: "This booking was refunded before it was booked",
    }),
  );
}

/**
 * The slot was taken before Calendly could book it: the payment is held while the visitor picks
 * another time, until rebookBy. `strayEventUri`: a Calendly event made for it anyway, cancelled.
 */
export async function markSlotTaken(
  ctx: DomainContext,
  bookingId: string,
  cause: string,
  strayEventUri: string | null = null,
): Promise<boolean> {
  const rebookBy = new Date(Date.now() + ctx.config.payFirst.rebookSeconds * 1000);
  const moved = await ctx.prisma.$transaction(async (tx) => {
    const r = await transitionBooking(tx, bookingId, "NEEDS_NEW_TIME", cause, { rebookBy }, "SCHEDULING");
    if (r.applied && strayEventUri) {
      await cancelEventEffect(tx, bookingId, strayEventUri, "This time was already booked");
    }
    return r.applied;
  });
  if (moved) ctx.metrics.step("slot_taken");
  return moved;
}

/** The visitor picked another time for a paid booking whose slot was taken: SCHEDULING again. */
export async function rebook(ctx: DomainContext, bookingId: string, startTime: Date): Promise<void> {
  try {
    await ctx.prisma.$transaction(async (tx) => {
      const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId } });
      if (booking.status !== "NEEDS_NEW_TIME" || !booking.rebookBy || booking.rebookBy.getTime() <= Date.now()) {
        throw conflict(
          "rebook_window_closed",
          "booking: another time can no longer be picked; the payment is refunded in full",
        );
      }
      // The same length of session at the new time.
      const endTime = new Date(startTime.getTime() + (booking.endTime.getTime() - booking.startTime.getTime()));
      const moved = await transitionBooking(
        tx,
        bookingId,
        "SCHEDULING",
        `visitor picked a new time, ${startTime.toISOString()}`,
        { startTime, endTime },
        "NEEDS_NEW_TIME",
      );
      if (!moved.applied) throw conflict("rebook_window_closed", "booking: it changed meanwhile; read it again");
      await bookEffect(tx, { id: bookingId, startTime });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw slotUnavailable();
    throw error;
  }
}

/**
 * A paid pay-first booking that cannot be booked (the rebooking window closed, or Calendly refused
 * for good): CANCELLED, and the whole payment refunded, platform fee included. The refund's
 * recording then moves it to REFUNDED.
 */
export async function refundUnbooked(ctx: DomainContext, bookingId: string, cause: string): Promise<boolean> {
  const moved = await ctx.prisma.$transaction(async (tx) => {
    const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId } });
    if (booking.status !== "NEEDS_NEW_TIME" && booking.status !== "SCHEDULING") return false;
    const r = await transitionBooking(tx, bookingId, "CANCELLED", cause, { rebookBy: null }, booking.status);
    if (!r.applied) return false;
    const payment = await tx.payment.findFirst({
      where: { bookingId, status: { in: ["PAID", "PARTIALLY_REFUNDED"] } },
      orderBy: { createdAt: "desc" },
    });
    if (payment) await refundEffect(tx, payment, `refund_unbooked_${bookingId}`, payment.amountCaptured, cause, true);
    return true;
  });
  if (moved) ctx.metrics.step("cancelled");
  return moved;
}
