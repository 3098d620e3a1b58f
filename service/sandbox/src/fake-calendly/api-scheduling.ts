// Calendly's availability and Scheduling API in the fake:
// - GET /event_type_available_times?event_type&start_time&end_time: the free slots the event
//   type's scheduling page offers in the range (both times in the future, at most 31 days apart);
// - POST /invitees: books an event type at one of those times for an invitee, as the page does
//   (same scheduled event, same invitee.created webhook), under its own per-user rate limit.
// Errors are Calendly's: 400 Invalid Argument with `details` naming each bad parameter, 403 for
// another organization's event type or a missing scope, 404 for an unknown one, 429 past the limit.
import type { IncomingMessage } from "node:http";
import type { ScheduleResult } from "./actions.js";
import {
  type ApiContext,
  type Caller,
  forbidden,
  need,
  type Reply,
  type Result,
  sameOrganization,
} from "./api-common.js";
import { readJsonObject } from "./http.js";
import type { AnswerInput } from "./questions.js";
import { calendlyTime, type EventTypeRecord, FakeCalendlyError } from "./store.js";
import type { AvailableTime, EventLocation, Tracking } from "./wire.js";
import { TRACKING_KEYS, uuidFromUri } from "./wire.js";

/** Calendly: "The date range can be no greater than 31 days" (7 before July 2026). */
export const MAX_AVAILABILITY_RANGE_DAYS = 31;
const DAY_MS = 86_400_000;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The location kinds Calendly's event types offer. */
const LOCATION_KINDS = new Set([
  "physical",
  "ask_invitee",
  "custom",
  "outbound_call",
  "inbound_call",
  "google_conference",
  "zoom_conference",
  "gotomeeting_conference",
  "microsoft_teams_conference",
  "webex_conference",
]);

type Detail = { parameter: string; message: string };

function invalid(details: Detail[]): FakeCalendlyError {
  return new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", details);
}

function parseTime(value: unknown): Date | undefined {
  if (typeof value !== "string" || !ISO_TIME.test(value.trim())) return undefined;
  const date = new Date(value.trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The event type an `event_type` URI (or UUID) names, when the caller may see it. */
function ownEventType(ctx: ApiContext, caller: Caller, ref: string): EventTypeRecord {
  const store = ctx.actions.store;
  const et = store.eventTypeByUuid(uuidFromUri(ref));
  if (!et) {
    throw new FakeCalendlyError(404, "Resource Not Found", "The server could not find the requested resource.");
  }
  if (!sameOrganization(caller, store.hostByUuid(et.hostUuid))) throw forbidden();
  return et;
}

/** GET /event_type_available_times */
export function availableTimes(ctx: ApiContext, caller: Caller, url: URL): Result {
  need(caller, "event_types:read");
  const store = ctx.actions.store;
  const query = url.searchParams;
  const details: Detail[] = [];
  const eventType = query.get("event_type")?.trim() ?? "";
  if (!eventType) details.push({ parameter: "event_type", message: "can't be blank" });
  const now = Date.now();
  const times: Partial<Record<"start_time" | "end_time", Date>> = {};
  for (const name of ["start_time", "end_time"] as const) {
    const raw = query.get(name);
    const time = parseTime(raw);
    if (raw === null || raw.trim() === "") details.push({ parameter: name, message: "can't be blank" });
    else if (!time) details.push({ parameter: name, message: "must be an ISO 8601 time, e.g. 2026-01-02T20:00:00Z" });
    else if (time.getTime() <= now) details.push({ parameter: name, message: "must be in the future" });
    else times[name] = time;
  }
  const { start_time: start, end_time: end } = times;
  if (start && end) {
    if (end <= start) details.push({ parameter: "end_time", message: "must be after start_time" });
    else if (end.getTime() - start.getTime() > MAX_AVAILABILITY_RANGE_DAYS * DAY_MS) {
      details.push({
        parameter: "end_time",
        message: `date range can be no greater than ${MAX_AVAILABILITY_RANGE_DAYS} days`,
      });
    }
  }
  if (details.length > 0 || !start || !end) throw invalid(details);
  const et = ownEventType(ctx, caller, eventType);
  const base = store.schedulingUrl(et);
  const collection = store.slotsBetween(et.uuid, start, end).map((slot): AvailableTime => {
    const iso = slot.toISOString().replace(/\.\d{3}Z$/, "Z");
    const day = iso.slice(0, 10);
    return {
      status: "available",
      invitees_remaining: 1,
      start_time: calendlyTime(slot),
      scheduling_url: `${base}/${iso}?month=${day.slice(0, 7)}&date=${day}`,
    };
  });
  return { status: 200, body: { collection } };
}

/** What a POST /invitees body asks for, checked; every problem of its shape named at once. */
function parseBody(body: Record<string, unknown>, callerUri: string) {
  const details: Detail[] = [];
  const text = (value: unknown, parameter: string, max: number): string | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      details.push({ parameter, message: "must be a string" });
      return undefined;
    }
    const trimmed = value.trim();
    if (trimmed.length > max) details.push({ parameter, message: `is too long (maximum is ${max} characters)` });
    return trimmed || undefined;
  };

  const eventType = text(body.event_type, "event_type", 2000);
  if (!eventType && !details.some((d) => d.parameter === "event_type")) {
    details.push({ parameter: "event_type", message: "can't be blank" });
  }

  let start: Date | undefined;
  if (body.start_time === undefined || body.start_time === null || body.start_time === "") {
    details.push({ parameter: "start_time", message: "can't be blank" });
  } else {
    start = parseTime(body.start_time);
    if (!start)
      details.push({ parameter: "start_time", message: "must be an ISO 8601 time, e.g. 2026-01-02T20:00:00Z" });
    else if (start.getTime() <= Date.now()) {
      details.push({ parameter: "start_time", message: "must be in the future" });
      start = undefined;
    }
  }

  let name: string | undefined;
  let email: string | undefined;
  let firstName: string | undefined;
  let lastName: string | undefined;
  let timezone: string | undefined;
  const invitee = body.invitee;
  if (!invitee || typeof invitee !== "object" || Array.isArray(invitee)) {
    details.push({ parameter: "invitee", message: "can't be blank" });
  } else {
    const i = invitee as Record<string, unknown>;
    firstName = text(i.first_name, "invitee.first_name", 255);
    lastName = text(i.last_name, "invitee.last_name", 255);
    name = text(i.name, "invitee.name", 255) ?? ([firstName, lastName].filter(Boolean).join(" ") || undefined);
    if (!name && !details.some((d) => d.parameter.startsWith("invitee.name"))) {
      details.push({ parameter: "invitee.name", message: "can't be blank" });
    }
    email = text(i.email, "invitee.email", 320);
    if (!email) {
      if (!details.some((d) => d.parameter === "invitee.email")) {
        details.push({ parameter: "invitee.email", message: "can't be blank" });
      }
    } else if (!EMAIL.test(email))
      details.push({ parameter: "invitee.email", message: "is not a valid email address" });
    timezone = text(i.timezone, "invitee.timezone", 64);
    if (!timezone) {
      if (!details.some((d) => d.parameter === "invitee.timezone")) {
        details.push({ parameter: "invitee.timezone", message: "can't be blank" });
      }
    } else if (!isTimeZone(timezone)) {
      details.push({ parameter: "invitee.timezone", message: "is not a valid IANA time zone" });
    }
  }

  const answers: AnswerInput[] = [];
  if (body.questions_and_answers !== undefined && body.questions_and_answers !== null) {
    if (!Array.isArray(body.questions_and_answers)) {
      details.push({ parameter: "questions_and_answers", message: "must be an array" });
    } else {
      body.questions_and_answers.forEach((qa: unknown, index) => {
        const at = `questions_and_answers[${index}]`;
        const item = qa && typeof qa === "object" ? (qa as Record<string, unknown>) : undefined;
        if (!item) {
          details.push({ parameter: at, message: "must be an object with question, answer and position" });
          return;
        }
        if (!Number.isInteger(item.position) || (item.position as number) < 0) {
          details.push({ parameter: `${at}.position`, message: "must be a whole number, 0 or more" });
        }
        if (typeof item.answer !== "string") details.push({ parameter: `${at}.answer`, message: "must be a string" });
        if (item.question !== undefined && typeof item.question !== "string") {
          details.push({ parameter: `${at}.question`, message: "must be a string" });
        }
        if (Number.isInteger(item.position) && typeof item.answer === "string") {
          answers.push({ position: item.position as number, answer: item.answer });
        }
      });
    }
  }

  const tracking: Tracking = {
    utm_campaign: null,
    utm_source: null,
    utm_medium: null,
    utm_content: null,
    utm_term: null,
    salesforce_uuid: null,
  };
  if (body.tracking !== undefined && body.tracking !== null) {
    if (typeof body.tracking !== "object" || Array.isArray(body.tracking)) {
      details.push({ parameter: "tracking", message: "must be an object" });
    } else {
      const given = body.tracking as Record<string, unknown>;
      for (const key of TRACKING_KEYS) tracking[key] = text(given[key], `tracking.${key}`, 255) ?? null;
    }
  }

  const guests: string[] = [];
  if (body.event_guests !== undefined && body.event_guests !== null) {
    if (!Array.isArray(body.event_guests)) details.push({ parameter: "event_guests", message: "must be an array" });
    else if (body.event_guests.length > 10) {
      details.push({ parameter: "event_guests", message: "can have at most 10 guests" });
    } else {
      body.event_guests.forEach((guest: unknown, index) => {
        if (typeof guest !== "string" || !EMAIL.test(guest.trim())) {
          details.push({ parameter: `event_guests[${index}]`, message: "is not a valid email address" });
        } else guests.push(guest.trim());
      });
    }
  }

  let location: EventLocation | undefined;
  if (body.location !== undefined && body.location !== null) {
    const given = body.location;
    if (typeof given !== "object" || Array.isArray(given)) {
      details.push({ parameter: "location", message: "must be an object with a kind" });
    } else {
      const l = given as Record<string, unknown>;
      const kind = text(l.kind, "location.kind", 100);
      const where = text(l.location, "location.location", 1000);
      if (!kind) details.push({ parameter: "location.kind", message: "can't be blank" });
      else if (!LOCATION_KINDS.has(kind)) {
        details.push({ parameter: "location.kind", message: "is not a location kind this event type offers" });
      } else location = { type: kind, location: where ?? null };
    }
  }

  if (details.length > 0 || !eventType || !start || !name || !email || !timezone) throw invalid(details);
  const parsed = {
    eventType,
    start,
    name,
    email,
    firstName: firstName ?? null,
    lastName: lastName ?? null,
    timezone,
    tracking,
    answers,
    guests,
    scheduledBy: callerUri,
  };
  return location ? { ...parsed, location } : parsed;
}

/**
 * Calendly documents no separate error for a time that was free when it was listed and is taken
 * when booked; the fake answers 400 Invalid Argument naming start_time, with a message saying the
 * time is no longer available (a time that never was a slot says so differently).
 */
export function slotNoLongerAvailable(): FakeCalendlyError {
  return new FakeCalendlyError(400, "Invalid Argument", "The selected time is no longer available.", [
    { parameter: "start_time", message: "is no longer available" },
  ]);
}

/** POST /invitees (the Scheduling API). Sets `reply.headers` to the Scheduling API's own limit. */
export async function createInvitee(
  ctx: ApiContext,
  caller: Caller,
  req: IncomingMessage,
  reply: Reply,
): Promise<Result> {
  need(caller, "scheduled_events:write");
  const limit = ctx.scheduling.hit(caller.host.uuid);
  reply.headers = limit.headers;
  if (limit.limited) {
    const { window, limit: max } = limit.usage;
    throw new FakeCalendlyError(
      429,
      "Too Many Requests",
      `You have exceeded the Scheduling API's limit of ${max} requests per user per ${window}. Try again later.`,
    );
  }
  const input = parseBody(await readJsonObject(req), caller.host.uri);
  const et = ownEventType(ctx, caller, input.eventType);
  const store = ctx.actions.store;
  if (!store.isSlotStart(et.uuid, input.start)) {
    throw invalid([{ parameter: "start_time", message: "is not an available time for this event type" }]);
  }
  let result: ScheduleResult;
  try {
    result = ctx.actions.scheduleViaApi({ ...input, eventTypeUuid: et.uuid });
  } catch (error) {
    if (error instanceof FakeCalendlyError && error.status === 409) throw slotNoLongerAvailable();
    throw error;
  }
  const invitee = store.inviteeByUuid(uuidFromUri(result.inviteeUri))!;
  return { status: 201, body: { resource: store.inviteeResource(invitee) } };
}
