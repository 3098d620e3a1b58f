// What the confirmation page may see of a booking, refreshed from Stripe when the visitor
// returns before the webhook does (Stripe's recommended fulfilment on the success page).
import type { Prisma } from "../generated/prisma/client.js";
import type { DomainContext } from "./context.js";
import { applyCheckoutSession } from "./fulfilment.js";

const include = {
  builder: true,
  sessionType: true,
  payments: { orderBy: { createdAt: "desc" } },
  history: { orderBy: { createdAt: "asc" } },
} satisfies Prisma.BookingInclude;

export type BookingWithDetails = Prisma.BookingGetPayload<{ include: typeof include }>;

export interface BookingView {
  id: string;
  status: BookingWithDetails["status"];
  builder: { name: string; slug: string; headline: string; avatarUrl: string | null };
  sessionType: { id: string; name: string; durationMinutes: number };
  startTime: string;
  endTime: string;
  timezone: string | null;
  inviteeName: string;
  price: { amount: number; currency: string };
  amountPaid: { amount: number; currency: string } | null;
  amountRefunded: { amount: number; currency: string } | null;
  holdExpiresAt: string | null;
  checkoutUrl: string | null;
  history: { from: string | null; to: string; cause: string; at: string }[];
  sandbox: boolean;
}

export async function loadBooking(ctx: DomainContext, where: Prisma.BookingWhereUniqueInput) {
  return ctx.prisma.booking.findUnique({ where, include });
}

const lastRefresh = new Map<string, number>();
const REFRESH_EVERY_MS = 2000;

/** If the booking still awaits payment, asks Stripe whether the session completed. */
export async function refreshFromStripe(ctx: DomainContext, booking: BookingWithDetails): Promise<BookingWithDetails> {
  const sessionId = booking.payments.find((p) => p.status === "OPEN" || p.status === "UNPAID")?.checkoutSessionId;
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

export function toView(booking: BookingWithDetails, sandbox: boolean): BookingView {
  const paid = booking.payments.find((p) => ["PAID", "REFUNDED", "PARTIALLY_REFUNDED"].includes(p.status));
  const open = booking.payments.find((p) => p.status === "OPEN");
  return {
    id: booking.id,
    status: booking.status,
    builder: {
      name: booking.builder.name,
      slug: booking.builder.slug,
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
    price: { amount: booking.sessionType.priceAmount, currency: booking.sessionType.currency },
    amountPaid: paid ? { amount: paid.amountCaptured, currency: paid.currency } : null,
    amountRefunded: paid && paid.amountRefunded > 0 ? { amount: paid.amountRefunded, currency: paid.currency } : null,
    holdExpiresAt: booking.holdExpiresAt?.toISOString() ?? null,
    checkoutUrl: booking.status === "PENDING_PAYMENT" ? (open?.checkoutUrl ?? null) : null,
    history: booking.history.map((h) => ({ from: h.from, to: h.to, cause: h.cause, at: h.createdAt.toISOString() })),
    sandbox,
  };
}
