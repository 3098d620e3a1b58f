// The one owner of a booking's lifecycle and its payment's state: open, confirm-paid,
// release-hold, cancel, reschedule and refund-recorded. Each operation writes the booking, its
// payment and the provider calls they require (the outbox) in one transaction; webhook handlers,
// the hold sweeper and routes call these, and nothing else writes a status. The pay-first
// operations (reserve, book through Calendly, offer a new time) are in scheduling.ts beside it.
import type { Booking, Builder, Payment, Prisma, RefundStatus, SessionType } from "../../generated/prisma/client.js";
import { sha256 } from "../../lib/ids.js";
import { uuidFromUri } from "../../providers/calendly.js";
import { bookingToken } from "../booking-token.js";
import { isUniqueViolation } from "../bookings.js";
import { calendlyForBuilderId } from "../calendly-connections/client.js";
import type { DomainContext } from "../context.js";
import { enqueueSideEffect } from "../side-effects.js";
import type { VerifiedBooking } from "../verification.js";
import { transitionBooking } from "./booking-states.js";
import { recordRefundedAmount, transitionPayment } from "./payment-states.js";
import { refundDue, refundFor } from "./refund-policy.js";
import { startScheduling } from "./scheduling.js";

type Tx = Prisma.TransactionClient;

export type PaidOutcome = "confirmed" | "scheduling" | "late_payment_refunded" | "slot_taken_refunded" | "no_change";

/** Cancels the booking's Calendly event; a pay-first booking not yet booked has none to cancel. */
export function cancelEventEffect(tx: Tx, bookingId: string, eventUri: string | null, reason: string) {
  if (!eventUri) return Promise.resolve();
  return enqueueSideEffect(tx, bookingId, `cancel_event_${bookingId}`, {
    kind: "CANCEL_CALENDLY_EVENT",
    eventUri,
    reason,
  });
}

/**
 * Refunds until the customer has `target` back in total; the amount is worked out when it runs.
 * In marketplace mode the builder's transfer is reversed in proportion, and the platform's fee
 * is returned in proportion unless `refundApplicationFee` is false (the builder then bears it).
 */
export function refundEffect(
  tx: Tx,
  payment: Payment,
  key: string,
  target: number,
  reason: string,
  refundApplicationFee = true,
) {
  if (!payment.paymentIntentId) return Promise.resolve();
  return enqueueSideEffect(tx, payment.bookingId, key, {
    kind: "REFUND",
    paymentId: payment.id,
    paymentIntentId: payment.paymentIntentId,
    target,
    currency: payment.currency,
    reason,
    refundApplicationFee,
  });
}

/** The payment whose money a cancellation or refund concerns: the latest one captured. */
function capturedPayment(tx: Tx, bookingId: string) {
  return tx.payment.findFirst({
    where: { bookingId, status: { in: ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"] } },
    orderBy: { createdAt: "desc" },
  });
}

// ---- open ----------------------------------------------------------------------------------------

/**
 * Opens a verified booking: awaiting payment under a hold, with its first history rows and its
 * payment record, in the caller's transaction. Free session types are confirmed at once.
 */
export async function openBooking(
  tx: Tx,
  ctx: DomainContext,
  data: {
    verified: VerifiedBooking;
    builder: Builder;
    sessionType: SessionType;
    attemptId: string | null;
    siteId: string | null;
    cause: string;
  },
): Promise<Booking> {
  const free = data.sessionType.priceAmount === 0;
  const id = crypto.randomUUID();
  const booking = await tx.booking.create({
    data: {
      id,
      attemptId: data.attemptId,
      builderId: data.builder.id,
      sessionTypeId: data.sessionType.id,
      siteId: data.siteId,
      calendlyEventUri: data.verified.eventUri,
      calendlyInviteeUri: data.verified.inviteeUri,
      inviteeName: data.verified.inviteeName,
      inviteeEmail: data.verified.inviteeEmail,
      timezone: data.verified.timezone,
      startTime: data.verified.startTime,
      endTime: data.verified.endTime,
      status: free ? "CONFIRMED" : "PENDING_PAYMENT",
      holdExpiresAt: free ? null : new Date(Date.now() + ctx.config.holdSeconds * 1000),
      accessTokenHash: sha256(bookingToken(ctx.config.bookingTokenSecret, id)),
    },
  });
  await tx.bookingStatusChange.create({
    data: { bookingId: id, from: null, to: booking.status, cause: free ? `${data.cause}; free session` : data.cause },
  });
  if (!free) await openPayment(tx, booking, data.sessionType, data.cause);
  ctx.metrics.step("scheduled");
  return booking;
}

/** A booking's checkout payment at the session type's price, awaiting Checkout. */
export async function openPayment(tx: Tx, booking: Booking, sessionType: SessionType, cause: string): Promise<void> {
  const payment = await tx.payment.create({
    data: {
      bookingId: booking.id,
      idempotencyKey: `checkout_${booking.id}`,
      amount: sessionType.priceAmount,
      currency: sessionType.currency,
      expiresAt: booking.holdExpiresAt,
    },
  });
  await tx.paymentStatusChange.create({
    data: { paymentId: payment.id, from: null, to: payment.status, amountCaptured: 0, amountRefunded: 0, cause },
  });
}

// ---- confirm-paid ------------------------------------------------------------------------------

export interface PaidFacts {
  paymentIntentId: string | null;
  /** What Stripe captured (the session's amount_total). */
  captured: number;
}

/**
 * Checkout was paid: the payment becomes PAID and the booking CONFIRMED. A payment that lands
 * after its hold was released, or on a slot another booking holds CONFIRMED, is refunded whole.
 */
export async function confirmPaid(
  ctx: DomainContext,
  payment: Payment,
  paid: PaidFacts,
  cause: string,
): Promise<PaidOutcome> {
  const markPaid = (tx: Tx) =>
    transitionPayment(tx, payment.id, {
      to: "PAID",
      from: ["OPEN", "UNPAID", "EXPIRED"],
      cause: `payment received (${cause})`,
      data: { paymentIntentId: paid.paymentIntentId, paidAt: new Date(), amountCaptured: paid.captured },
    });
  let outcome: PaidOutcome;
  try {
    outcome = await ctx.prisma.$transaction(async (tx) => {
      const p = await markPaid(tx);
      if (!p) return "no_change";
      const { flow } = await tx.booking.findUniqueOrThrow({ where: { id: p.bookingId }, select: { flow: true } });
      // Pay first: the money is in; now the slot is booked in Calendly (an outbox effect).
      if (flow === "PAY_FIRST" && (await startScheduling(tx, p.bookingId, `payment received (${cause})`))) {
        return "scheduling";
      }
      const moved =
        flow === "PAY_FIRST"
          ? { applied: false }
          : await transitionBooking(tx, p.bookingId, "CONFIRMED", `payment received (${cause})`, {
              holdExpiresAt: null,
            });
      if (moved.applied) return "confirmed";
      // Paid after the hold was released: the slot is gone, so the money goes back.
      await refundEffect(
        tx,
        p,
        `refund_late_${p.id}`,
        p.amountCaptured,
        "payment arrived after the hold on the slot was released",
      );
      return "late_payment_refunded";
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Another booking was confirmed for the same slot first.
    outcome = await ctx.prisma.$transaction(async (tx) => {
      const p = await markPaid(tx);
      if (!p) return "no_change";
      const booking = await tx.booking.findUniqueOrThrow({ where: { id: p.bookingId } });
      await transitionBooking(tx, booking.id, "FAILED", "slot already confirmed for another booking");
      await cancelEventEffect(tx, booking.id, booking.calendlyEventUri, "The slot was already booked");
      await refundEffect(tx, p, `refund_late_${p.id}`, p.amountCaptured, "slot already confirmed for another booking");
      return "slot_taken_refunded";
    });
  }
  if (outcome === "confirmed" || outcome === "scheduling") ctx.metrics.step("paid");
  return outcome;
}

/** An asynchronous payment (a bank debit) is settling: keep the slot until it does. */
export async function awaitAsyncPayment(
  ctx: DomainContext,
  payment: Payment,
  paymentIntentId: string | null,
  cause: string,
): Promise<boolean> {
  return ctx.prisma.$transaction(async (tx) => {
    const p = await transitionPayment(tx, payment.id, {
      to: "UNPAID",
      from: ["OPEN"],
      cause: `payment settling (${cause})`,
      data: { paymentIntentId },
    });
    if (!p) return false;
    await tx.booking.updateMany({
      where: { id: payment.bookingId, status: "PENDING_PAYMENT" },
      data: { holdExpiresAt: null },
    });
    return true;
  });
}

// ---- release-hold ------------------------------------------------------------------------------

export interface ReleaseOptions {
  /** EXPIRED: not paid in time (or abandoned); FAILED: the payment failed. */
  to: "EXPIRED" | "FAILED";
  cause: string;
  /** Also expire the open Checkout Session (the sweeper's case; Stripe expired it otherwise). */
  expireCheckout: boolean;
}

/** The payment will not come: the booking and its payment end, and the Calendly slot is released. */
export async function releaseHold(ctx: DomainContext, bookingId: string, opts: ReleaseOptions): Promise<boolean> {
  const released = await ctx.prisma.$transaction(async (tx) => {
    const moved = await transitionBooking(tx, bookingId, opts.to, opts.cause, {}, "PENDING_PAYMENT");
    if (!moved.applied) return false;
    const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId } });
    const payment = await tx.payment.findFirst({ where: { bookingId }, orderBy: { createdAt: "desc" } });
    if (payment) {
      const ended = await transitionPayment(tx, payment.id, {
        to: opts.to,
        from: ["OPEN", "UNPAID"],
        cause: opts.cause,
      });
      if (ended && opts.expireCheckout && payment.checkoutSessionId) {
        await enqueueSideEffect(tx, bookingId, `expire_checkout_${payment.id}`, {
          kind: "EXPIRE_CHECKOUT",
          checkoutSessionId: payment.checkoutSessionId,
        });
      }
    }
    await cancelEventEffect(
      tx,
      bookingId,
      booking.calendlyEventUri,
      opts.to === "FAILED" ? "Payment failed" : "Payment was not completed in time",
    );
    return true;
  });
  if (released) ctx.metrics.step(opts.to === "FAILED" ? "failed" : "expired");
  return released;
}

// ---- cancel ------------------------------------------------------------------------------------

export interface Cancellation {
  cancelledAt: Date;
  byBuilder: boolean;
  /** The canceller's reason, kept on the booking. */
  reason: string | null;
  /** What reported it, e.g. "invitee.canceled in Calendly". */
  source: string;
}

/** The booking moved on between reading it and applying a change decided from that read. */
const STATUS_CHANGED = "status_changed";

function cancelConfirmed(ctx: DomainContext, bookingId: string, c: Cancellation): Promise<string> {
  return ctx.prisma.$transaction((tx) => cancelConfirmedIn(tx, bookingId, c, ctx.config.payouts.feeOnRefund));
}

/**
 * `feeOnRefund`: whether a refund by the builder's policy (a customer's cancellation) also
 * returns the platform fee; when the builder cancelled, it always does.
 */
async function cancelConfirmedIn(
  tx: Tx,
  bookingId: string,
  c: Cancellation,
  feeOnRefund: "return" | "keep",
): Promise<string> {
  const booking = await tx.booking.findUniqueOrThrow({ where: { id: bookingId }, include: { builder: true } });
  const payment = await capturedPayment(tx, bookingId);
  const decision = refundFor(
    booking.builder,
    payment?.amountCaptured ?? 0,
    booking.startTime,
    c.cancelledAt,
    c.byBuilder,
  );
  const moved = await transitionBooking(
    tx,
    bookingId,
    "CANCELLED",
    `${c.source}; ${decision.reason}`,
    { cancelReason: c.reason },
    "CONFIRMED",
  );
  if (!moved.applied) return STATUS_CHANGED;
  // What is due is worked out again from Stripe's figures when the refund runs; this only
  // decides whether there is anything to do (the database never counts more refunded than Stripe).
  const due = payment
    ? refundDue(decision.amount, { captured: payment.amountCaptured, refunded: payment.amountRefunded })
    : 0;
  if (!payment || due === 0) return "cancelled_no_refund";
  await refundEffect(
    tx,
    payment,
    `refund_cancel_${bookingId}`,
    decision.amount,
    decision.reason,
    c.byBuilder || feeOnRefund === "return",
  );
  return "cancelled_refunding";
}

async function cancelPending(ctx: DomainContext, bookingId: string, c: Cancellation): Promise<string> {
  return ctx.prisma.$transaction(async (tx) => {
    const moved = await transitionBooking(
      tx,
      bookingId,
      "CANCELLED",
      `${c.source} before paying`,
      { cancelReason: c.reason },
      "PENDING_PAYMENT",
    );
    if (!moved.applied) return STATUS_CHANGED;
    const payment = await tx.payment.findFirst({ where: { bookingId, status: { in: ["OPEN", "UNPAID"] } } });
    // Conditional: a payment completing at this moment stays PAID (and is refunded as late).
    const ended = payment
      ? await transitionPayment(tx, payment.id, { to: "EXPIRED", from: ["OPEN"], cause: `${c.source} before paying` })
      : null;
    if (ended?.checkoutSessionId) {
      await enqueueSideEffect(tx, bookingId, `expire_checkout_${ended.id}`, {
        kind: "EXPIRE_CHECKOUT",
        checkoutSessionId: ended.checkoutSessionId,
      });
    }
    return "cancelled_before_payment";
  });
}

/** The Calendly event was cancelled: CANCELLED, with a refund per the builder's policy once paid. */
export async function cancelBooking(ctx: DomainContext, bookingId: string, c: Cancellation): Promise<string> {
  // What a cancellation does depends on the status (a refund once paid), and the payment's own
  // event may change it concurrently: when it did, decide again from the new status.
  for (let round = 0; round < 3; round++) {
    const booking = await ctx.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } });
    const outcome =
      booking.status === "CONFIRMED"
        ? await cancelConfirmed(ctx, bookingId, c)
        : booking.status === "PENDING_PAYMENT"
          ? await cancelPending(ctx, bookingId, c)
          : "no_change";
    if (outcome !== STATUS_CHANGED) {
      if (outcome !== "no_change") ctx.metrics.step("cancelled");
      return outcome;
    }
  }
  throw new Error("the booking kept changing while its cancellation was applied; retry");
}

// ---- reschedule --------------------------------------------------------------------------------

export interface NewSlot {
  eventUri: string;
  inviteeUri: string;
  startTime: Date;
  endTime: Date;
}

async function moveTo(ctx: DomainContext, bookingId: string, slot: NewSlot): Promise<void> {
  await ctx.prisma.$transaction(async (tx) => {
    const booking = await tx.booking.update({
      where: { id: bookingId },
      data: {
        calendlyEventUri: slot.eventUri,
        calendlyInviteeUri: slot.inviteeUri,
        startTime: slot.startTime,
        endTime: slot.endTime,
      },
    });
    await tx.bookingStatusChange.create({
      data: {
        bookingId,
        from: booking.status,
        to: booking.status,
        cause: `rescheduled in Calendly to ${slot.startTime.toISOString()}`,
      },
    });
  });
}

/**
 * The invitee moved the booking to a new time. When another booking is CONFIRMED on that slot,
 * Calendly is asked about the other booking's event: if it was cancelled (its own cancellation
 * is still on its way), that cancellation is applied first and the move goes ahead. Otherwise
 * the service cannot honour the new time: the booking is cancelled as by the builder (a full
 * refund), the new Calendly event is cancelled, and the conflict is counted for the operator.
 * Returns the bookings whose side effects are now due.
 */
export async function reschedule(
  ctx: DomainContext,
  bookingId: string,
  slot: NewSlot,
): Promise<{ outcome: string; bookingIds: string[] }> {
  const current = await ctx.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } });
  if (current.calendlyInviteeUri === slot.inviteeUri)
    return { outcome: "already_rescheduled", bookingIds: [bookingId] };
  try {
    await moveTo(ctx, bookingId, slot);
    return { outcome: "rescheduled", bookingIds: [bookingId] };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  const other = await ctx.prisma.booking.findFirst({
    where: { builderId: current.builderId, startTime: slot.startTime, status: "CONFIRMED", id: { not: bookingId } },
  });
  if (!other) {
    // The other booking left CONFIRMED since: the slot is free now.
    await moveTo(ctx, bookingId, slot);
    return { outcome: "rescheduled", bookingIds: [bookingId] };
  }
  const calendly = await calendlyForBuilderId(ctx, current.builderId);
  const event = await ctx.metrics.time("calendly", "get_event", () =>
    calendly.getScheduledEvent(uuidFromUri(other.calendlyEventUri!)),
  );
  if (event.status === "canceled") {
    await cancelBooking(ctx, other.id, {
      cancelledAt: new Date(event.cancellation?.created_at ?? event.updated_at ?? Date.now()),
      byBuilder: event.cancellation?.canceler_type === "host",
      reason: event.cancellation?.reason ?? null,
      source: "event found cancelled in Calendly while another booking was rescheduled onto its slot",
    });
    await moveTo(ctx, bookingId, slot);
    return { outcome: "rescheduled", bookingIds: [bookingId, other.id] };
  }
  const outcome = await ctx.prisma.$transaction(async (tx) => {
    // The booking takes its new event (so that event is the one cancelled), is cancelled as by
    // the builder, and its new event's cancellation is queued: all or nothing.
    await tx.booking.update({
      where: { id: bookingId },
      data: { calendlyEventUri: slot.eventUri, calendlyInviteeUri: slot.inviteeUri },
    });
    const cancelled = await cancelConfirmedIn(
      tx,
      bookingId,
      {
        cancelledAt: new Date(),
        byBuilder: true,
        reason: "The new time was already booked",
        source: `rescheduled in Calendly to ${slot.startTime.toISOString()}, a slot already confirmed for another booking`,
      },
      ctx.config.payouts.feeOnRefund,
    );
    if (cancelled === STATUS_CHANGED) throw new Error("the booking changed while its reschedule was settled; retry");
    await cancelEventEffect(tx, bookingId, slot.eventUri, "This time was already booked; your payment is refunded");
    return "reschedule_conflict_cancelled";
  });
  ctx.metrics.step("cancelled");
  ctx.metrics.rescheduleConflicts.inc();
  ctx.log.warn({ bookingId, otherBookingId: other.id }, "reschedule onto a slot another booking holds; cancelled");
  return { outcome, bookingIds: [bookingId] };
}

// ---- transfer-recorded -------------------------------------------------------------------------

/** Marketplace mode: the transfer Stripe made to the builder for a paid payment (set once). */
export async function recordTransfer(ctx: DomainContext, paymentId: string, transferId: string): Promise<void> {
  await ctx.prisma.payment.updateMany({ where: { id: paymentId, transferId: null }, data: { transferId } });
}

// ---- refund-recorded ---------------------------------------------------------------------------

export interface ChargeFacts {
  /** Stripe's running total refunded on the charge. */
  refunded: number;
  /** The charge's refunds, when known (expanded). */
  refunds: {
    id: string;
    amount: number;
    currency: string;
    status: string | null;
    reason: string | null;
    idempotencyKey?: string;
  }[];
}

function refundStatus(status: string | null): RefundStatus {
  if (status === "succeeded") return "SUCCEEDED";
  if (status === "failed") return "FAILED";
  if (status === "canceled") return "CANCELED";
  return "PENDING";
}

/**
 * Records what Stripe says was refunded on a payment's charge, by the service or from the
 * Dashboard. A payment refunded in full ends its booking: CANCELLED → REFUNDED, and a CONFIRMED
 * booking → REFUNDED with its Calendly event cancelled (the session was paid back).
 */
export async function recordRefund(
  ctx: DomainContext,
  paymentId: string,
  charge: ChargeFacts,
  cause: string,
): Promise<string> {
  const { outcome, moved } = await ctx.prisma.$transaction(async (tx) => {
    for (const r of charge.refunds) {
      await tx.refund.upsert({
        where: { stripeRefundId: r.id },
        create: {
          paymentId,
          stripeRefundId: r.id,
          idempotencyKey: r.idempotencyKey ?? `stripe_${r.id}`,
          amount: r.amount,
          currency: r.currency,
          status: refundStatus(r.status),
          reason: r.reason ?? "refunded in Stripe, outside the service",
        },
        update: { amount: r.amount, status: refundStatus(r.status) },
      });
    }
    const changed = await recordRefundedAmount(tx, paymentId, charge.refunded, cause);
    const payment = changed ?? (await tx.payment.findUniqueOrThrow({ where: { id: paymentId } }));
    if (payment.status !== "REFUNDED") return { outcome: changed ? "refund_recorded" : "no_change", moved: false };
    const booking = await tx.booking.findUniqueOrThrow({ where: { id: payment.bookingId } });
    if (booking.status === "CONFIRMED") {
      const r = await transitionBooking(
        tx,
        booking.id,
        "REFUNDED",
        `payment refunded in full (${cause})`,
        {},
        "CONFIRMED",
      );
      if (r.applied) {
        await cancelEventEffect(tx, booking.id, booking.calendlyEventUri, "The payment for this session was refunded");
      }
      return { outcome: "refunded_booking_ended", moved: r.applied };
    }
    if (booking.status === "CANCELLED") {
      const r = await transitionBooking(tx, booking.id, "REFUNDED", `refund issued (${cause})`, {}, "CANCELLED");
      return { outcome: "refund_recorded", moved: r.applied };
    }
    if (booking.status === "SCHEDULING" || booking.status === "NEEDS_NEW_TIME") {
      // Pay first, refunded in Stripe before the time was booked: nothing is booked for it now.
      const c = await transitionBooking(
        tx,
        booking.id,
        "CANCELLED",
        `payment refunded in full before the time was booked (${cause})`,
        { rebookBy: null },
        booking.status,
      );
      const r = c.applied
        ? await transitionBooking(tx, booking.id, "REFUNDED", `refund issued (${cause})`, {}, "CANCELLED")
        : c;
      return { outcome: "refunded_booking_ended", moved: r.applied };
    }
    return { outcome: changed ? "refund_recorded" : "no_change", moved: false };
  });
  if (moved) ctx.metrics.step("refunded");
  return outcome;
}
