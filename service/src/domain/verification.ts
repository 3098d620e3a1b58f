// Confirms with Calendly's API what the browser claims: the event is live, belongs to this
// builder, the invitee is active, and the invitee carries our attempt id in utm_content.
import type { Builder, SessionType } from "../generated/prisma/client.js";
import { AppError, unprocessable, upstream } from "../lib/errors.js";
import {
  type CalendlyError,
  type Invitee,
  isCalendlyError,
  type ScheduledEvent,
  uuidFromUri,
} from "../providers/calendly.js";
import { calendlyFor } from "./calendly-connections/client.js";
import type { DomainContext } from "./context.js";

export interface VerifiedBooking {
  eventUri: string;
  inviteeUri: string;
  startTime: Date;
  endTime: Date;
  inviteeName: string;
  inviteeEmail: string;
  timezone: string | null;
  utmContent: string | null;
}

const UUID = "[0-9a-zA-Z-]{8,64}";
const EVENT_PATH = new RegExp(`/scheduled_events/(${UUID})$`);
const INVITEE_PATH = new RegExp(`/scheduled_events/(${UUID})/invitees/(${UUID})$`);

const notVerified = (message: string, field?: string) => unprocessable("booking_not_verified", message, field);

/** Parses the two URIs the browser sent; the invitee must belong to the event. */
export function parseBookingUris(eventUri: string, inviteeUri: string): { eventUuid: string; inviteeUuid: string } {
  const pathOf = (uri: string, field: string) => {
    try {
      const u = new URL(uri);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("scheme");
      return u.pathname.replace(/\/+$/, "");
    } catch {
      throw notVerified(`${field}: is not a Calendly URI`, field);
    }
  };
  const event = EVENT_PATH.exec(pathOf(eventUri, "eventUri"));
  if (!event) throw notVerified("eventUri: is not a Calendly scheduled-event URI", "eventUri");
  const invitee = INVITEE_PATH.exec(pathOf(inviteeUri, "inviteeUri"));
  if (!invitee) throw notVerified("inviteeUri: is not a Calendly invitee URI", "inviteeUri");
  if (invitee[1] !== event[1]) throw notVerified("inviteeUri: does not belong to eventUri", "inviteeUri");
  return { eventUuid: event[1]!, inviteeUuid: invitee[2]! };
}

export function calendlyFailure(error: CalendlyError, what: string): AppError {
  if (error.kind === "not_found") return notVerified(`${what} does not exist in Calendly`);
  // Limits are per Calendly user: this builder's budget is spent for now.
  if (error.kind === "rate_limited") {
    return new AppError(429, "calendly_rate_limited", "Calendly is limiting requests for this builder; please retry", {
      retryable: true,
      retryAfterSeconds: Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 1000)),
    });
  }
  if (error.kind === "unauthorized") {
    return new AppError(502, "calendly_misconfigured", "The booking service cannot authenticate with Calendly", {
      retryable: false,
    });
  }
  const err = upstream("calendly_unavailable", `Calendly did not answer (${error.kind}); please retry`);
  return err;
}

/** Fills in the builder's Calendly user and event-type URIs from the API when they are unknown. */
export async function resolveBuilderCalendly(ctx: DomainContext, builder: Builder): Promise<Builder> {
  if (builder.calendlyEventTypeUri || builder.calendlyUserUri || !builder.calendlyEventUrl) return builder;
  const calendly = calendlyFor(ctx, builder);
  const me = await ctx.metrics.time("calendly", "get_current_user", () => calendly.getCurrentUser());
  const types = await ctx.metrics.time("calendly", "list_event_types", () => calendly.listEventTypes({ user: me.uri }));
  const wanted = builder.calendlyEventUrl.replace(/\/+$/, "");
  const match = types.collection.find((t) => t.scheduling_url.replace(/\/+$/, "") === wanted);
  return ctx.prisma.builder.update({
    where: { id: builder.id },
    data: { calendlyUserUri: me.uri, calendlyEventTypeUri: match?.uri ?? null },
  });
}

function belongsToBuilder(event: ScheduledEvent, builder: Builder, sessionType?: SessionType): boolean {
  // A session type attached to an event type is booked through that event type only.
  if (sessionType?.calendlyEventTypeUri) {
    return uuidFromUri(event.event_type) === uuidFromUri(sessionType.calendlyEventTypeUri);
  }
  if (builder.calendlyEventTypeUri) return uuidFromUri(event.event_type) === uuidFromUri(builder.calendlyEventTypeUri);
  if (builder.calendlyUserUri) {
    const user = uuidFromUri(builder.calendlyUserUri);
    return event.event_memberships.some((m) => uuidFromUri(m.user) === user);
  }
  return false;
}

export async function verifyWithCalendly(
  ctx: DomainContext,
  builderRecord: Builder,
  input: { eventUri: string; inviteeUri: string; attemptId: string | null; sessionType?: SessionType },
): Promise<VerifiedBooking> {
  const { eventUuid, inviteeUuid } = parseBookingUris(input.eventUri, input.inviteeUri);
  let event: ScheduledEvent;
  let invitee: Invitee;
  let builder = builderRecord;
  try {
    builder = await resolveBuilderCalendly(ctx, builderRecord);
    // The builder's own token: the event is theirs, and only they can read it.
    const calendly = calendlyFor(ctx, builder);
    event = await ctx.metrics.time("calendly", "get_event", () => calendly.getScheduledEvent(eventUuid));
    invitee = await ctx.metrics.time("calendly", "get_invitee", () => calendly.getInvitee(eventUuid, inviteeUuid));
  } catch (error) {
    if (isCalendlyError(error)) throw calendlyFailure(error, "The scheduled event or invitee");
    throw error;
  }
  if (event.status !== "active") throw notVerified("eventUri: the Calendly event is canceled", "eventUri");
  if (!belongsToBuilder(event, builder, input.sessionType)) {
    throw notVerified(`eventUri: the Calendly event is not one of ${builder.name}'s`, "eventUri");
  }
  if (invitee.status !== "active") throw notVerified("inviteeUri: the invitee has canceled", "inviteeUri");
  if (input.attemptId !== null && invitee.tracking?.utm_content !== input.attemptId) {
    throw notVerified("attemptId: the Calendly booking was not made from this booking attempt", "attemptId");
  }
  return {
    eventUri: event.uri,
    inviteeUri: invitee.uri,
    startTime: new Date(event.start_time),
    endTime: new Date(event.end_time),
    inviteeName: invitee.name,
    inviteeEmail: invitee.email,
    timezone: invitee.timezone,
    utmContent: invitee.tracking?.utm_content ?? null,
  };
}
