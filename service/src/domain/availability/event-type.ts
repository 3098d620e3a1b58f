// The Calendly event type a builder's session type is booked on pay-first, with the duration
// Calendly will book and the questions it asks (read once per TTL, like the times).
import type { BookingQuestion } from "../../contract/availability.js";
import type { Builder, SessionType } from "../../generated/prisma/client.js";
import { type EventType, isCalendlyError, uuidFromUri } from "../../providers/calendly.js";
import { calendlyFor } from "../calendly-connections/client.js";
import type { DomainContext } from "../context.js";
import { eventTypeOf } from "../pay-first/offer.js";
import { resolveBuilderCalendly } from "../verification.js";
import { availabilityFailure, calendlyCall, payFirstUnavailable } from "./calendly-failure.js";

export interface EventTypeFacts {
  uri: string;
  durationMinutes: number;
  /** Enabled questions, in Calendly's order. */
  questions: BookingQuestion[];
}

const QUESTION_TYPES = new Set<BookingQuestion["type"]>([
  "string",
  "text",
  "phone_number",
  "single_select",
  "multi_select",
]);

/** Calendly's enabled custom questions as the contract's; an unknown kind is asked as one line of text. */
export function bookingQuestions(eventType: Pick<EventType, "custom_questions">): BookingQuestion[] {
  return (eventType.custom_questions ?? [])
    .filter((q) => q.enabled)
    .sort((a, b) => a.position - b.position)
    .map((q) => ({
      position: q.position,
      name: q.name,
      type: QUESTION_TYPES.has(q.type as BookingQuestion["type"]) ? (q.type as BookingQuestion["type"]) : "string",
      required: q.required,
      answerChoices: q.answer_choices ?? [],
    }));
}

/**
 * The event type's URI: the session type's own, else the builder's, resolved from their event
 * URL when unknown (once; concurrent requests share the resolution).
 */
export async function eventTypeUriFor(ctx: DomainContext, builder: Builder, sessionType: SessionType): Promise<string> {
  const known = eventTypeOf(builder, sessionType);
  if (known) return known;
  // Kept for the TTL: the builder a caller holds may predate the resolution stored in the database.
  const { value: uri } = await ctx.availability.resolutions.get(builder.id, builder.id, async () => {
    try {
      return (await resolveBuilderCalendly(ctx, builder)).calendlyEventTypeUri;
    } catch (error) {
      if (isCalendlyError(error)) throw availabilityFailure(error, builder.name);
      throw error;
    }
  });
  if (!uri) {
    throw payFirstUnavailable(builder.name, "no_event_type", "no Calendly event type matches their event URL");
  }
  return uri;
}

/** The event type's facts for `uri`, cached per builder and event type. */
export async function eventTypeFacts(
  ctx: DomainContext,
  builder: Builder,
  sessionType: SessionType,
  uri: string,
): Promise<EventTypeFacts> {
  const key = `${builder.id}|${uuidFromUri(uri)}`;
  const { value } = await ctx.availability.eventTypes.get(builder.id, key, async () => {
    const calendly = calendlyFor(ctx, builder);
    const eventType = await calendlyCall(ctx, builder.name, "get_event_type", () => calendly.getEventType(uri));
    return {
      uri: eventType.uri || uri,
      durationMinutes: eventType.duration > 0 ? eventType.duration : sessionType.durationMinutes,
      questions: bookingQuestions(eventType),
    };
  });
  return value;
}

/**
 * For the reservation: the event type a builder's session type is booked on, the duration
 * Calendly books, and the questions to send answers to. Throws 409 pay_first_unavailable when
 * there is no event type, 429/502 when Calendly fails.
 */
export async function payFirstEventType(
  ctx: DomainContext,
  builder: Builder,
  sessionType: SessionType,
): Promise<EventTypeFacts> {
  return eventTypeFacts(ctx, builder, sessionType, await eventTypeUriFor(ctx, builder, sessionType));
}
