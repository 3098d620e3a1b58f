// A booking attempt: issued before the calendar is shown; its id rides to Calendly as
// utm_content and comes back in the invitee's tracking, which ties the booking to it.
import type { Builder, SessionType } from "../generated/prisma/client.js";
import { conflict, notFound, unprocessable } from "../lib/errors.js";
import { opaqueId } from "../lib/ids.js";
import { type Bookability, builderWhere, decideBookability } from "./bookability.js";
import type { DomainContext } from "./context.js";
import type { Customer } from "./customer-token.js";

const ATTEMPT_LIFETIME_MS = 2 * 60 * 60 * 1000;

export interface AttemptInput {
  builder: string;
  sessionTypeId?: string;
  siteId?: string;
  partnerKeyId?: string;
  customer?: Customer;
  /** An allowlisted page checkout returns to. */
  returnUrl: string;
}

export interface AttemptCreated {
  attemptId: string;
  calendlyUrl: string;
  expiresAt: string;
}

export async function loadBookableBuilder(
  ctx: DomainContext,
  idOrSlug: string,
  sessionTypeId: string | undefined,
): Promise<{ builder: Builder; sessionType: SessionType; decision: Bookability }> {
  const builder = await ctx.prisma.builder.findUnique({
    where: builderWhere(idOrSlug),
    include: { sessionTypes: true, payoutAccount: true },
  });
  if (!builder) throw notFound("builder_not_found", `builder: no builder "${idOrSlug}" exists`);
  const decision = decideBookability(builder, ctx.config.payouts.mode);
  if (decision.state === "demo") throw conflict("builder_is_demo", `builder: ${decision.reason}`);
  if (decision.state === "unavailable") throw conflict("builder_unavailable", `builder: ${decision.reason}`);
  const sessionType = sessionTypeId
    ? decision.sessionTypes.find((s) => s.id === sessionTypeId)
    : decision.sessionTypes.length === 1
      ? decision.sessionTypes[0]
      : undefined;
  if (!sessionType) {
    throw unprocessable(
      "session_type_invalid",
      sessionTypeId
        ? `sessionTypeId: ${builder.name} offers no active session type with this id`
        : `sessionTypeId: is required because ${builder.name} offers several session types`,
      "sessionTypeId",
    );
  }
  return { builder, sessionType, decision };
}

export async function createAttempt(ctx: DomainContext, input: AttemptInput): Promise<AttemptCreated> {
  const { builder, sessionType } = await loadBookableBuilder(ctx, input.builder, input.sessionTypeId);
  const id = opaqueId("att");
  const expiresAt = new Date(Date.now() + ATTEMPT_LIFETIME_MS);
  await ctx.prisma.bookingAttempt.create({
    data: {
      id,
      builderId: builder.id,
      sessionTypeId: sessionType.id,
      siteId: input.siteId ?? null,
      partnerKeyId: input.partnerKeyId ?? null,
      customerRef: input.customer?.id ?? null,
      customerEmail: input.customer?.email ?? null,
      customerName: input.customer?.name ?? null,
      returnUrl: input.returnUrl,
      expiresAt,
    },
  });
  ctx.metrics.step("attempt_created");
  // A session type attached to its own Calendly event type is booked on that event type's page.
  const url = new URL(ctx.providers.schedulingUrl(sessionType.calendlyEventUrl ?? builder.calendlyEventUrl!));
  url.searchParams.set("utm_content", id);
  if (input.customer?.name) url.searchParams.set("name", input.customer.name);
  if (input.customer?.email) url.searchParams.set("email", input.customer.email);
  return { attemptId: id, calendlyUrl: url.toString(), expiresAt: expiresAt.toISOString() };
}

/** What became of an attempt, as its holder may learn it: no names, no e-mail, no prices. */
export type AttemptOutcome =
  | { status: "waiting"; expiresAt: string }
  | { status: "booked"; eventUri: string; inviteeUri: string }
  | { status: "expired" };

/**
 * The outcome of an attempt issued to `siteId`: once its slot is booked (by the widget's report or
 * by Calendly's invitee.created webhook), the URIs to report with `POST /v1/bookings`, which opens
 * Checkout. Another site's attempt is as unknown as one never issued.
 */
export async function attemptOutcome(ctx: DomainContext, attemptId: string, siteId: string): Promise<AttemptOutcome> {
  const attempt = await ctx.prisma.bookingAttempt.findUnique({
    where: { id: attemptId },
    select: {
      siteId: true,
      expiresAt: true,
      booking: { select: { calendlyEventUri: true, calendlyInviteeUri: true } },
    },
  });
  if (!attempt || attempt.siteId !== siteId) {
    throw notFound("attempt_not_found", "attemptId: no booking attempt with this id was issued to you");
  }
  const { booking } = attempt;
  // An attempt's booking is made in Calendly's page, so it carries both URIs.
  if (booking?.calendlyEventUri && booking.calendlyInviteeUri) {
    return { status: "booked", eventUri: booking.calendlyEventUri, inviteeUri: booking.calendlyInviteeUri };
  }
  if (attempt.expiresAt.getTime() < Date.now()) return { status: "expired" };
  return { status: "waiting", expiresAt: attempt.expiresAt.toISOString() };
}
