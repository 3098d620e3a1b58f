// `/_sandbox/*`: what the fake's own pages call (and tests may call directly). Calendly's real
// booking backend is private; these stand in for it. They need no token, like a booking page.
// Beside them, the test controls a demo or an end-to-end test in another process needs: the
// sandbox users, revoking a user's tokens, expiring access tokens, disabling a webhook
// subscription, the API calls a user's token made, a user's Scheduling API tier and budget, and
// taking a slot "directly in Calendly".
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeActions, ScheduleResult } from "./actions.js";
import { BodyError, readJsonObject, sendJson } from "./http.js";
import { isSchedulingTier, type SchedulingBudget, type SchedulingWindow } from "./scheduling-limits.js";
import { slotLabel } from "./scheduling-page.js";
import { FakeCalendlyError, type ScheduleInput } from "./store.js";
import type { Tracking } from "./wire.js";
import { TRACKING_KEYS, uuidFromUri } from "./wire.js";

function str(body: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = body[key];
    if (typeof value === "string" && value.length > 0) return value;
  }
  return undefined;
}

/** Accepts the page's snake_case body as well as the camelCase ScheduleInput. */
export function scheduleInputFromBody(body: Record<string, unknown>): ScheduleInput {
  const tracking: Partial<Tracking> = {};
  const nested = body.tracking && typeof body.tracking === "object" ? (body.tracking as Record<string, unknown>) : {};
  for (const key of TRACKING_KEYS) {
    const value = str(body, key) ?? str(nested, key);
    if (value !== undefined) tracking[key] = value.slice(0, 255);
  }
  let answers: string[] = [];
  if (Array.isArray(body.answers)) answers = body.answers.map((a) => (typeof a === "string" ? a : ""));
  else for (let i = 1; i <= 10; i++) answers.push(str(body, `a${i}`) ?? "");
  let guests: string[] = [];
  if (Array.isArray(body.guests)) guests = body.guests.filter((g): g is string => typeof g === "string");
  else if (typeof body.guests === "string") guests = body.guests.split(",");
  const input: ScheduleInput = {
    eventTypeUuid: uuidFromUri(str(body, "event_type_uuid", "eventTypeUuid", "event_type") ?? ""),
    name: str(body, "name") ?? "",
    email: str(body, "email") ?? "",
    tracking,
    answers,
    guests,
  };
  const optional: Array<[keyof ScheduleInput, string | undefined]> = [
    ["startTime", str(body, "start_time", "startTime")],
    ["firstName", str(body, "first_name", "firstName")],
    ["lastName", str(body, "last_name", "lastName")],
    ["timezone", str(body, "timezone")],
    ["utmContent", str(body, "utmContent")],
    ["utmSource", str(body, "utmSource")],
    ["utmMedium", str(body, "utmMedium")],
    ["utmCampaign", str(body, "utmCampaign")],
    ["utmTerm", str(body, "utmTerm")],
    ["salesforceUuid", str(body, "salesforceUuid")],
  ];
  for (const [key, value] of optional)
    if (value !== undefined) (input as unknown as Record<string, string>)[key] = value;
  return input;
}

/** The FakeCalendly test controls the `/_sandbox/*` routes expose. */
export interface SandboxControls {
  users(): unknown[];
  revokeTokens(userUri: string): number;
  expireAccessTokens(userUri?: string): number;
  disableWebhookSubscription(uriOrUserUri: string): string[];
  callsBy(userUri: string): unknown[];
  setSchedulingTier(user: string, tier: SchedulingBudget["tier"]): SchedulingBudget;
  schedulingBudget(user: string): SchedulingBudget;
  exhaustSchedulingBudget(user: string, window?: SchedulingWindow): SchedulingBudget;
  resetSchedulingBudget(user: string): SchedulingBudget;
  takeSlot(input: {
    eventType?: string;
    user?: string;
    eventSlug?: string;
    startTime: string;
    name?: string;
    email?: string;
    timezone?: string;
    answers?: string[];
  }): ScheduleResult;
}

const WINDOWS = new Set(["minute", "hour", "day"]);

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof FakeCalendlyError) {
    const body: Record<string, unknown> = { title: error.title, message: error.message };
    if (error.details) body.details = error.details;
    sendJson(res, error.status, body);
  } else if (error instanceof BodyError) {
    sendJson(res, error.status, { title: "Invalid Argument", message: error.message });
  } else {
    sendJson(res, 500, { title: "Internal Server Error", message: "The sandbox failed to handle this request." });
  }
}

function invalidParameter(parameter: string, message: string): FakeCalendlyError {
  return new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", [
    { parameter, message },
  ]);
}

function blank(parameter: string): FakeCalendlyError {
  return invalidParameter(parameter, "can't be blank");
}

function labelFor(actions: FakeActions, eventUri: string): string {
  const event = actions.store.eventByUuid(uuidFromUri(eventUri));
  const et = event && actions.store.eventTypeByUuid(event.eventTypeUuid);
  return event && et ? slotLabel(event.start, et.durationMinutes) : "";
}

/** A booking made by a sandbox route, as the scheduling page's script reads it. */
function sendScheduled(res: ServerResponse, actions: FakeActions, result: ScheduleResult): void {
  sendJson(res, 201, {
    ...result,
    event: { uri: result.eventUri },
    invitee: { uri: result.inviteeUri },
    label: labelFor(actions, result.eventUri),
  });
}

/** Returns false when the path is not a sandbox route. */
export async function handleSandbox(
  actions: FakeActions,
  controls: SandboxControls,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const method = (req.method ?? "GET").toUpperCase();
  const route = url.pathname.replace(/\/+$/, "");
  try {
    if (route === "/_sandbox/health" && method === "GET") {
      sendJson(res, 200, { ok: true, sandbox: true, provider: "calendly" });
      return true;
    }
    if (route === "/_sandbox/schedule" && method === "POST") {
      sendScheduled(res, actions, actions.schedule(scheduleInputFromBody(await readJsonObject(req))));
      return true;
    }
    if (route === "/_sandbox/cancel" && method === "POST") {
      const body = await readJsonObject(req);
      const inviteeId = str(body, "invitee_uuid", "inviteeUuid", "invitee");
      let eventId = str(body, "event_uuid", "eventUuid", "event");
      if (inviteeId) eventId = actions.store.inviteeByUuid(uuidFromUri(inviteeId))?.eventUuid;
      if (!eventId) throw new FakeCalendlyError(404, "Resource Not Found", "No such invitee or event.");
      const reason = str(body, "reason") ?? null;
      sendJson(res, 201, { resource: actions.cancelByInvitee(eventId, { reason }) });
      return true;
    }
    if (route === "/_sandbox/reschedule" && method === "POST") {
      const body = await readJsonObject(req);
      const inviteeId = str(body, "invitee_uuid", "inviteeUuid", "invitee");
      const start = str(body, "start_time", "startTime");
      if (!inviteeId) throw new FakeCalendlyError(404, "Resource Not Found", "No such invitee.");
      if (!start) {
        throw new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", [
          { parameter: "start_time", message: "can't be blank" },
        ]);
      }
      const result = actions.reschedule(inviteeId, start);
      sendJson(res, 201, {
        ...result,
        event: { uri: result.eventUri },
        invitee: { uri: result.inviteeUri },
        label: labelFor(actions, result.eventUri),
      });
      return true;
    }
    if (route === "/_sandbox/users" && method === "GET") {
      sendJson(res, 200, { collection: controls.users() });
      return true;
    }
    if (route === "/_sandbox/calls" && method === "GET") {
      const user = url.searchParams.get("user");
      if (!user) throw blank("user");
      sendJson(res, 200, { collection: controls.callsBy(user) });
      return true;
    }
    if (route === "/_sandbox/oauth/revoke-tokens" && method === "POST") {
      const user = str(await readJsonObject(req), "user");
      if (!user) throw blank("user");
      sendJson(res, 200, { revoked: controls.revokeTokens(user) });
      return true;
    }
    if (route === "/_sandbox/oauth/expire-access-tokens" && method === "POST") {
      const user = str(await readJsonObject(req), "user");
      sendJson(res, 200, { expired: controls.expireAccessTokens(user) });
      return true;
    }
    if (route === "/_sandbox/webhook-subscriptions/disable" && method === "POST") {
      const body = await readJsonObject(req);
      const target = str(body, "subscription", "user");
      if (!target) throw blank("subscription");
      sendJson(res, 200, { disabled: controls.disableWebhookSubscription(target) });
      return true;
    }
    if (route === "/_sandbox/scheduling-api" && method === "GET") {
      const user = url.searchParams.get("user");
      if (!user) throw blank("user");
      sendJson(res, 200, controls.schedulingBudget(user));
      return true;
    }
    if (route === "/_sandbox/scheduling-api/tier" && method === "POST") {
      const body = await readJsonObject(req);
      const user = str(body, "user");
      if (!user) throw blank("user");
      if (!isSchedulingTier(body.tier)) throw invalidParameter("tier", "must be trial, paid or enterprise");
      sendJson(res, 200, controls.setSchedulingTier(user, body.tier));
      return true;
    }
    if (route === "/_sandbox/scheduling-api/exhaust" && method === "POST") {
      const body = await readJsonObject(req);
      const user = str(body, "user");
      if (!user) throw blank("user");
      const window = body.window;
      if (window !== undefined && !(typeof window === "string" && WINDOWS.has(window))) {
        throw invalidParameter("window", "must be minute, hour or day");
      }
      try {
        sendJson(res, 200, controls.exhaustSchedulingBudget(user, window as SchedulingWindow | undefined));
      } catch (error) {
        if (error instanceof RangeError) throw invalidParameter("window", error.message);
        throw error;
      }
      return true;
    }
    if (route === "/_sandbox/scheduling-api/reset" && method === "POST") {
      const user = str(await readJsonObject(req), "user");
      if (!user) throw blank("user");
      sendJson(res, 200, controls.resetSchedulingBudget(user));
      return true;
    }
    if (route === "/_sandbox/take-slot" && method === "POST") {
      const body = await readJsonObject(req);
      const startTime = str(body, "start_time", "startTime");
      if (!startTime) throw blank("start_time");
      const input: Parameters<SandboxControls["takeSlot"]>[0] = { startTime };
      const optional: Array<[keyof typeof input, string | undefined]> = [
        ["eventType", str(body, "event_type", "eventType")],
        ["user", str(body, "user")],
        ["eventSlug", str(body, "event_slug", "eventSlug")],
        ["name", str(body, "name")],
        ["email", str(body, "email")],
        ["timezone", str(body, "timezone")],
      ];
      for (const [key, value] of optional)
        if (value !== undefined) (input as unknown as Record<string, string>)[key] = value;
      if (Array.isArray(body.answers)) input.answers = body.answers.map((a) => (typeof a === "string" ? a : ""));
      sendScheduled(res, actions, controls.takeSlot(input));
      return true;
    }
    if (route.startsWith("/_sandbox/")) {
      sendJson(res, 404, { title: "Resource Not Found", message: "No such sandbox route." });
      return true;
    }
    return false;
  } catch (error) {
    sendError(res, error);
    return true;
  }
}
