// What the reservation asks Calendly directly, never from a cache: is this start still offered,
// and which questions does the event type ask.
import type { Builder, SessionType } from "../../generated/prisma/client.js";
import { unprocessable } from "../../lib/errors.js";
import { type CalendlyClient, isCalendlyError } from "../../providers/calendly.js";
import type { DomainContext } from "../context.js";
import { calendlyFailure, resolveBuilderCalendly } from "../verification.js";
import { eventTypeOf } from "./offer.js";

/** The event type the session type is booked on, resolving the builder's from its event URL once. */
export async function eventTypeFor(ctx: DomainContext, builder: Builder, sessionType: SessionType): Promise<string> {
  const known = eventTypeOf(builder, sessionType);
  if (known) return known;
  const resolved = await resolveBuilderCalendly(ctx, builder).catch((error: unknown) => {
    throw isCalendlyError(error) ? calendlyFailure(error, "The builder's event type") : error;
  });
  if (!resolved.calendlyEventTypeUri) {
    throw unprocessable("pay_first_unavailable", "builder: the Calendly event type to book could not be found");
  }
  return resolved.calendlyEventTypeUri;
}

/** Whether Calendly offers `start` on the event type now (one narrow availability call). */
export async function slotOffered(
  ctx: DomainContext,
  calendly: CalendlyClient,
  eventTypeUri: string,
  start: Date,
): Promise<boolean> {
  const times = await ctx.metrics.time("calendly", "list_available_times", () =>
    calendly.listAvailableTimes({
      eventType: eventTypeUri,
      startTime: start.toISOString(),
      endTime: new Date(start.getTime() + 60_000).toISOString(),
    }),
  );
  return times.some((t) => Date.parse(t.start_time) === start.getTime() && t.invitees_remaining > 0);
}
