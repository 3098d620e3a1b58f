// A booking as the API shows it: one model built from the stored booking, and its projections
// (contract/booking.ts). The confirmation page's read also refreshes the booking from Stripe when
// the visitor returns before the webhook does (Stripe's recommended fulfilment on the success page).
import {
  type BookingModel,
  type BookingStatus,
  type PartnerBooking,
  PartnerBookingSchema,
  type PublicBooking,
  PublicBookingSchema,
} from "../contract/index.js";
import type { Prisma, BookingStatus as StoredBookingStatus } from "../generated/prisma/client.js";
import type { DomainContext } from "./context.js";
import { applyCheckoutSession } from "./fulfilment.js";

// The contract lists the statuses itself (the widget reads it without Prisma); both must agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statusesAgree: Same<BookingStatus, StoredBookingStatus> = true;
void statusesAgree;

export const bookingViewInclude = {
  builder: { select: { id: true, slug: true, name: true, headline: true, avatarUrl: true } },
  sessionType: { select: { id: true, name: true, durationMinutes: true, priceAmount: true, currency: true } },
  history: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
  payments: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
} satisfies Prisma.BookingInclude;

export type BookingWithDetails = Prisma.BookingGetPayload<{ include: typeof bookingViewInclude }>;

export async function loadBooking(ctx: DomainContext, where: Prisma.BookingWhereUniqueInput) {
  return ctx.prisma.booking.findUnique({ where, include: bookingViewInclude });
}

/** The booking whose checkout is the Checkout Session `sessionId`, if any. */
export async function loadBookingByCheckoutSession(ctx: DomainContext, sessionId: string) {
  const payment = await ctx.prisma.payment.findUnique({
    where: { checkoutSessionId: sessionId },
    select: { bookingId: true },
  });
  return payment ? loadBooking(ctx, { id: payment.bookingId }) : null;
}

const lastRefresh = new Map<string, number>();
const REFRESH_EVERY_MS = 2000;

/** If the booking still awaits payment, asks Stripe whether the session completed. */
export async function refreshFromStripe(ctx: DomainContext, booking: BookingWithDetails): Promise<BookingWithDetails> {
  const sessionId = booking.payments.findLast((p) => p.status === "OPEN" || p.status === "UNPAID")?.checkoutSessionId;
  if (booking.status !== "PENDING_PAYMENT" || !sessionId) return booking;
  const last = lastRefresh.get(booking.id) ?? 0;
  if (Date.now() - last < REFRESH_EVERY_MS) return booking;
  lastRefresh.set(booking.id, Date.now());
  if (lastRefresh.size > 10_000) lastRefresh.clear();
  try {
    const session = await ctx.metrics.time("stripe", "retrieve_session", () =>
      ctx.providers.stripe.checkout.sessions.retrieve(sessionId),
    );
    if (session.status !== "open") await applyCheckoutSession(ctx, session, "visitor returned from Checkout");
  } catch (error) {
    // The webhook will still arrive; the page keeps polling.
    ctx.log.warn({ bookingId: booking.id, err: error }, "could not refresh the session from Stripe");
    return booking;
  }
  return (await loadBooking(ctx, { id: booking.id })) ?? booking;
}

const CAPTURED = new Set(["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

/** Every field any view of the booking shows, with each meaning as the contract settles it. */
export function toBookingModel(booking: BookingWithDetails, sandbox: boolean): BookingModel {
  const latest = booking.payments.at(-1);
  // What the booking costs was fixed by its checkout; a free session never opens one.
  const currency = latest?.currency ?? booking.sessionType.currency;
  const captured = booking.payments.filter((p) => CAPTURED.has(p.status));
  const open = booking.payments.findLast((p) => p.status === "OPEN");
  return {
    id: booking.id,
    status: booking.status,
    builder: {
      id: booking.builder.id,
      slug: booking.builder.slug,
      name: booking.builder.name,
      headline: booking.builder.headline,
      avatarUrl: booking.builder.avatarUrl,
    },
    sessionType: {
      id: booking.sessionType.id,
      name: booking.sessionType.name,
      durationMinutes: booking.sessionType.durationMinutes,
    },
    startTime: booking.startTime.toISOString(),
    endTime: booking.endTime.toISOString(),
    timezone: booking.timezone,
    inviteeName: booking.inviteeName,
    inviteeEmail: booking.inviteeEmail,
    price: { amount: latest?.amount ?? booking.sessionType.priceAmount, currency },
    amountPaid: { amount: captured.reduce((sum, p) => sum + p.amountCaptured, 0), currency },
    amountRefunded: { amount: captured.reduce((sum, p) => sum + p.amountRefunded, 0), currency },
    flow: booking.flow === "PAY_FIRST" ? "pay-first" : "embedded",
    holdExpiresAt: booking.holdExpiresAt?.toISOString() ?? null,
    rebookBy: booking.status === "NEEDS_NEW_TIME" ? (booking.rebookBy?.toISOString() ?? null) : null,
    checkoutUrl: booking.status === "PENDING_PAYMENT" ? (open?.checkoutUrl ?? null) : null,
    createdAt: booking.createdAt.toISOString(),
    history: booking.history.map((h) => ({ from: h.from, to: h.to, cause: h.cause, at: h.createdAt.toISOString() })),
    payments: booking.payments.map((p) => ({
      id: p.id,
      status: p.status,
      amount: p.amount,
      currency: p.currency,
      amountRefunded: p.amountRefunded,
      checkoutSessionId: p.checkoutSessionId,
    })),
    sandbox,
  };
}

/** The fields of `model` that `view` declares, and no others. */
function project<K extends keyof BookingModel>(view: { shape: Record<K, unknown> }, model: BookingModel) {
  return Object.fromEntries(Object.keys(view.shape).map((key) => [key, model[key as K]])) as Pick<BookingModel, K>;
}

/** What the visitor's browser reads (the confirmation page). */
export function toPublicBooking(booking: BookingWithDetails, sandbox: boolean): PublicBooking {
  return project(PublicBookingSchema, toBookingModel(booking, sandbox));
}

/** What a partner reads. */
export function toPartnerBooking(booking: BookingWithDetails, sandbox: boolean): PartnerBooking {
  return project(PartnerBookingSchema, toBookingModel(booking, sandbox));
}
