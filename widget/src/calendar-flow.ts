// SPDX-License-Identifier: MIT
/**
 * The calendar's messages in the booking flow (see `booking-flow.ts`): ready, its height, and a
 * scheduled slot, which goes on to checkout. Pure, like the rest of the flow; it loads with the
 * calendar's frame (`calendar-frame.ts`), and no message can come before the frame is there.
 */
import type { Effect, Flow, FlowEvent, Step } from "./booking-flow.js";
import { type CalendlyMessage, lastSegment, pageHeight, READY_EVENTS, scheduledUris } from "./calendly-messages.js";

/** Clamp for Calendly's `page_height`, in pixels. */
const MIN_HEIGHT = 400;
const MAX_HEIGHT = 1400;

/** A slot was booked (in the frame, or in Calendly's own page): on to checkout. */
export function scheduled(flow: Flow, uris: { eventUri: string; inviteeUri: string }, effects: Effect[]): Step {
  const slot = { attemptId: flow.attempt!.attemptId, ...uris };
  const next = { ...flow, invitees: [...flow.invitees, uris.inviteeUri], slot, state: "creating-checkout" as const };
  effects.push(
    {
      type: "slot-scheduled",
      detail: { ...slot, eventUuid: lastSegment(uris.eventUri), inviteeUuid: lastSegment(uris.inviteeUri) },
    },
    { type: "create-booking", slot },
  );
  return [next, effects];
}

function onCalendly(flow: Flow, message: CalendlyMessage): Step {
  const effects: Effect[] = [];
  let next = flow;
  if (READY_EVENTS.includes(message.event) && flow.calendar !== "ready") {
    next = { ...next, calendar: "ready" };
    effects.push({ type: "cancel" }, { type: "ready" });
  }
  if (message.event === "calendly.page_height") {
    next = { ...next, height: pageHeight(message.payload, MIN_HEIGHT, MAX_HEIGHT) ?? next.height };
  } else if (message.event === "calendly.event_scheduled") {
    const uris = scheduledUris(message.payload);
    if (!uris || next.invitees.includes(uris.inviteeUri)) return [next, effects]; // dedupe by invitee
    return scheduled(next, uris, effects);
  }
  return [next, effects];
}

/** The next step for Calendly's messages; undefined for every other event. */
export function nextCalendar(flow: Flow, event: FlowEvent): Step | undefined {
  if (event.type !== "calendly") return undefined;
  return flow.state === "calendar" && flow.attempt && flow.calendar !== "elsewhere"
    ? onCalendly(flow, event.message)
    : [flow, []];
}
