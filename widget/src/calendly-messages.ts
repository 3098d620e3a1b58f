// SPDX-License-Identifier: MIT

/** A message from Calendly's embed: `{event: "calendly.*", payload: {...}}`. */
export interface CalendlyMessage {
  event: string;
  payload: Record<string, unknown>;
}

/** The shape check (origin and source are the element's to check). */
export function parseMessage(data: unknown): CalendlyMessage | undefined {
  const m = data as CalendlyMessage | undefined;
  // Structured clone gives plain objects of this realm: `constructor === Object` rules out arrays and nulls.
  return typeof m?.event === "string" && m.event.startsWith("calendly.") && m.payload?.constructor === Object
    ? m
    : undefined;
}

/** Messages that prove the scheduling page is up ("ready"). */
export const READY_EVENTS = ["calendly.event_type_viewed", "calendly.profile_page_viewed", "calendly.page_height"];

const uri = (o: unknown): string | undefined => {
  const u = (o as { uri?: unknown } | null)?.uri;
  return typeof u === "string" && /^https?:\/\//.test(u) ? u : undefined;
};

/** `calendly.event_scheduled`'s `{event: {uri}, invitee: {uri}}`, or undefined when malformed. */
export function scheduledUris(payload: Record<string, unknown>): { eventUri: string; inviteeUri: string } | undefined {
  const eventUri = uri(payload.event);
  const inviteeUri = uri(payload.invitee);
  return eventUri && inviteeUri ? { eventUri, inviteeUri } : undefined;
}

/** The last path segment of a URI (Calendly's UUIDs; the host varies). */
export const lastSegment = (u: string): string => new URL(u).pathname.split("/").filter(Boolean).pop() ?? "";

/** `calendly.page_height`'s `{height: "1234px"}`, clamped to `[min, max]`. */
export function pageHeight(payload: Record<string, unknown>, min: number, max: number): number | undefined {
  const h = Number.parseFloat(String(payload.height));
  return Number.isFinite(h) ? Math.min(max, Math.max(min, Math.round(h))) : undefined;
}
