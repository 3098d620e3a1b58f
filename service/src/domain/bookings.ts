// Creating a booking from a verified Calendly invitee, and opening its Checkout Session.
import type Stripe from "stripe";
import type { Booking, BookingAttempt } from "../generated/prisma/client.js";
import { AppError, notFound, unprocessable, upstream } from "../lib/errors.js";
import { uuidFromUri } from "../providers/calendly.js";
import { isRetryableStripeError } from "../providers/stripe.js";
import { openBooking, releaseHold } from "./booking/lifecycle.js";
import { bookingToken } from "./booking-token.js";
import type { DomainContext } from "./context.js";
import { destinationCharge } from "./payouts/checkout.js";
import { returnUrlWith } from "./return-urls.js";
import { runSideEffects } from "./side-effects.js";
import { parseBookingUris, verifyWithCalendly } from "./verification.js";

export interface BookingCaller {
  siteId?: string;
  partnerKeyId?: string;
}

export interface CreateBookingInput {
  attemptId: string;
  eventUri: string;
  inviteeUri: string;
  caller: BookingCaller;
}

export interface BookingCreated {
  bookingId: string;
  bookingToken: string;
  status: Booking["status"];
  checkoutUrl: string | null;
  holdExpiresAt: string | null;
  /** False when this call found the booking an earlier call (or a webhook) created. */
  created: boolean;
}

/**
 * A unique-constraint violation, however the driver reports it: Prisma's P2002 (adapter-pg), or
 * the raw driver error (PGlite's adapter passes Postgres's SQLSTATE 23505 through unmapped).
 */
export function isUniqueViolation(error: unknown): boolean {
  type Reported = { code?: string; kind?: string; cause?: Reported; meta?: { driverAdapterError?: Reported } };
  const e = error as Reported | null | undefined;
  if (!e || typeof e !== "object") return false;
  if (e.code === "P2002" || e.code === "23505" || e.kind === "UniqueConstraintViolation") return true;
  const cause = e.cause ?? e.meta?.driverAdapterError;
  return cause !== undefined && cause !== e && isUniqueViolation(cause);
}

export async function createBooking(ctx: DomainContext, input: CreateBookingInput): Promise<BookingCreated> {
  const attempt = await ctx.prisma.bookingAttempt.findUnique({
    where: { id: input.attemptId },
    include: { builder: true, sessionType: true, booking: true },
  });
  const callerOwns =
    attempt &&
    (input.caller.partnerKeyId
      ? attempt.partnerKeyId === input.caller.partnerKeyId
      : attempt.siteId === (input.caller.siteId ?? null));
  if (!attempt || !callerOwns) {
    throw notFound("attempt_not_found", "attemptId: no booking attempt with this id was issued to you");
  }
  const { inviteeUuid } = parseBookingUris(input.eventUri, input.inviteeUri);
  if (attempt.booking) {
    if (!attempt.booking.calendlyInviteeUri || uuidFromUri(attempt.booking.calendlyInviteeUri) !== inviteeUuid) {
      throw unprocessable("attempt_already_used", "attemptId: this attempt already booked another slot", "attemptId");
    }
    return finish(ctx, attempt.booking, attempt, false);
  }
  if (attempt.expiresAt.getTime() < Date.now()) {
    throw unprocessable("attempt_expired", "attemptId: this booking attempt has expired; start again", "attemptId");
  }
  const verified = await verifyWithCalendly(ctx, attempt.builder, {
    eventUri: input.eventUri,
    inviteeUri: input.inviteeUri,
    attemptId: attempt.id,
    sessionType: attempt.sessionType,
  });
  let created = false;
  let booking = await ctx.prisma.booking.findUnique({ where: { calendlyInviteeUri: verified.inviteeUri } });
  if (!booking) {
    try {
      booking = await ctx.prisma.$transaction((tx) =>
        openBooking(tx, ctx, {
          verified,
          builder: attempt.builder,
          sessionType: attempt.sessionType,
          attemptId: attempt.id,
          siteId: attempt.siteId,
          cause: "slot scheduled in Calendly; verified with Calendly's API",
        }),
      );
      created = true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent request (or the invitee.created webhook) stored it first.
      booking = await ctx.prisma.booking.findUnique({ where: { calendlyInviteeUri: verified.inviteeUri } });
      if (!booking) throw error;
    }
  } else if (booking.attemptId === null) {
    // Created by the webhook before the widget called back: link it to this attempt.
    booking = await ctx.prisma.booking.update({ where: { id: booking.id }, data: { attemptId: attempt.id } });
  }
  return finish(ctx, booking, attempt, created);
}

async function finish(
  ctx: DomainContext,
  booking: Booking,
  attempt: BookingAttempt,
  created: boolean,
): Promise<BookingCreated> {
  const checkoutUrl =
    booking.status === "PENDING_PAYMENT" ? await ensureCheckout(ctx, booking, attempt.returnUrl) : null;
  return bookingCreated(ctx, booking, checkoutUrl, created);
}

/** What the caller that made (or found) a booking is told: its token and where to pay. */
export function bookingCreated(
  ctx: DomainContext,
  booking: Pick<Booking, "id" | "status" | "holdExpiresAt">,
  checkoutUrl: string | null,
  created: boolean,
): BookingCreated {
  return {
    bookingId: booking.id,
    bookingToken: bookingToken(ctx.config.bookingTokenSecret, booking.id),
    status: booking.status,
    checkoutUrl,
    holdExpiresAt: booking.holdExpiresAt?.toISOString() ?? null,
    created,
  };
}

/**
 * Returns the booking's open Checkout Session URL, creating the session at the server-side
 * price if needed. The payment's idempotency key makes concurrent or repeated calls, and
 * retries after a Stripe failure, create one session.
 */
export async function ensureCheckout(ctx: DomainContext, booking: Booking, returnUrl: string | null): Promise<string> {
  const payment = await ctx.prisma.payment.findFirst({
    where: { bookingId: booking.id, status: "OPEN" },
    orderBy: { createdAt: "desc" },
  });
  if (!payment) throw new AppError(409, "no_open_payment", "booking: has no payment awaiting checkout");
  if (payment.checkoutSessionId && payment.checkoutUrl) return payment.checkoutUrl;
  const full = await ctx.prisma.booking.findUniqueOrThrow({
    where: { id: booking.id },
    include: { builder: { include: { payoutAccount: true } }, sessionType: true, site: true },
  });
  const page = returnUrl ?? ctx.config.appUrl;
  if (!page) throw new AppError(409, "no_return_url", "returnUrl: no page to return to after checkout is configured");
  const token = bookingToken(ctx.config.bookingTokenSecret, booking.id);
  const connect = await destinationCharge(ctx, payment, full.builder).catch(async (error: unknown) => {
    // The builder cannot be paid now (their account was restricted since the attempt): the slot
    // is released at once, its Calendly event cancelled, rather than held until the hold expires.
    if (error instanceof AppError && error.statusCode === 409) {
      await releaseHold(ctx, booking.id, { to: "FAILED", cause: error.message, expireCheckout: false });
      await runSideEffects(ctx, { bookingId: booking.id }, { throwOnError: false });
    }
    throw error;
  });
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: "payment",
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: payment.currency,
          unit_amount: payment.amount,
          product_data: {
            name: `${full.sessionType.name} with ${full.builder.name}`,
            description: `${full.sessionType.durationMinutes} minutes, starting ${full.startTime.toISOString()}`,
          },
        },
      },
    ],
    client_reference_id: booking.id,
    metadata: { booking_id: booking.id },
    payment_intent_data: { metadata: { booking_id: booking.id }, ...connect },
    ...(full.builder.allowPromotionCodes || full.site?.allowPromotionCodes ? { allow_promotion_codes: true } : {}),
    ...(ctx.config.checkout.invoiceCreation
      ? { invoice_creation: { enabled: true, invoice_data: { metadata: { booking_id: booking.id } } } }
      : {}),
    customer_email: full.inviteeEmail,
    success_url: returnUrlWith(page, { baw_booking: booking.id, baw_token: token }, "session_id={CHECKOUT_SESSION_ID}"),
    cancel_url: returnUrlWith(page, { baw_booking: booking.id, baw_token: token, baw_checkout: "cancelled" }),
    expires_at: Math.floor(
      (booking.holdExpiresAt ?? new Date(Date.now() + ctx.config.holdSeconds * 1000)).getTime() / 1000,
    ),
  };
  let session: Stripe.Checkout.Session;
  try {
    session = await ctx.metrics.time("stripe", "create_checkout_session", () =>
      ctx.providers.stripe.checkout.sessions.create(params, { idempotencyKey: payment.idempotencyKey }),
    );
  } catch (error) {
    ctx.log.warn({ bookingId: booking.id, err: error }, "checkout session creation failed");
    if (isRetryableStripeError(error)) {
      throw upstream("checkout_unavailable", "Stripe could not open checkout just now; retry to continue");
    }
    const param = (error as { param?: string }).param;
    if (param === "expires_at") {
      throw new AppError(409, "hold_window_passed", "booking: the hold on this slot ends too soon to pay; book again");
    }
    throw new AppError(502, "checkout_failed", "Stripe refused to open checkout for this booking", {
      retryable: false,
    });
  }
  const recorded = await ctx.prisma.payment.updateMany({
    where: { id: payment.id, checkoutSessionId: null },
    data: { checkoutSessionId: session.id, checkoutUrl: session.url },
  });
  // Concurrent calls get the same session replayed; the funnel counts it once.
  if (recorded.count === 1) ctx.metrics.step("checkout_created");
  if (!session.url) throw upstream("checkout_unavailable", "Stripe returned a session without a URL; retry");
  return session.url;
}
