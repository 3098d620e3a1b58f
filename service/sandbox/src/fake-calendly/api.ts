// The fake's Calendly API v2, served under `${origin}/api` (production: https://api.calendly.com).
// Same shapes as Calendly: `{resource}`, `{collection, pagination}`, errors `{title, message, details?}`,
// Bearer auth, and X-RateLimit-Limit/-Remaining/-Reset on every response.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeActions } from "./actions.js";
import { BodyError, type Headers, readJsonObject, sendJson } from "./http.js";
import { calendlyTime, FakeCalendlyError } from "./store.js";
import type { WebhookSubscription } from "./wire.js";
import { uuidFromUri } from "./wire.js";

export const API_PREFIX = "/api";

export interface ApiContext {
  actions: FakeActions;
  token: string;
  signingKey: string;
  subscription: { uuid: string; createdAt: Date; updatedAt: Date };
  rateLimit: RateLimiter;
}

/** A fixed-window limiter, per token, like Calendly's "N requests per user per minute". */
export class RateLimiter {
  private windowStart = 0;
  private used = 0;

  constructor(
    readonly limit = 500,
    readonly windowMs = 60_000,
  ) {}

  /** Counts one request; returns the headers to send and whether it is over the limit. */
  hit(nowMs = Date.now()): { headers: Headers; limited: boolean } {
    if (nowMs - this.windowStart >= this.windowMs) {
      this.windowStart = nowMs;
      this.used = 0;
    }
    this.used += 1;
    const limited = this.used > this.limit;
    return { headers: this.headers(nowMs), limited };
  }

  headers(nowMs = Date.now()): Headers {
    const resetMs = Math.max(0, this.windowStart + this.windowMs - nowMs);
    return {
      "x-ratelimit-limit": this.limit,
      "x-ratelimit-remaining": Math.max(0, this.limit - this.used),
      "x-ratelimit-reset": Math.ceil(resetMs / 1000),
    };
  }
}

export function rateLimitedHeaders(limit: number, resetSeconds: number): Headers {
  return { "x-ratelimit-limit": limit, "x-ratelimit-remaining": 0, "x-ratelimit-reset": resetSeconds };
}

export const ERRORS = {
  unauthenticated: (message: string) => ({ title: "Unauthenticated", message }),
  notFound: () => ({ title: "Resource Not Found", message: "The server could not find the requested resource." }),
  tooMany: () => ({ title: "Too Many Requests", message: "You have exceeded the rate limit. Try again later." }),
  server: (status: number) =>
    status === 503
      ? { title: "Service Unavailable", message: "The server is temporarily unavailable. Try again later." }
      : { title: "Internal Server Error", message: "The server encountered an unexpected condition." },
};

function invalidArgument(parameter: string, message: string): FakeCalendlyError {
  return new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", [
    { parameter, message },
  ]);
}

function forbidden(): FakeCalendlyError {
  return new FakeCalendlyError(403, "Permission Denied", "You do not have permission to access this resource.");
}

function paginate<T>(
  items: T[],
  url: URL,
  apiBase: string,
  path: string,
): { collection: T[]; pagination: Record<string, unknown> } {
  const countParam = url.searchParams.get("count");
  const count = countParam === null ? 20 : Number(countParam);
  if (!Number.isInteger(count) || count < 1 || count > 100) throw invalidArgument("count", "must be between 1 and 100");
  const token = url.searchParams.get("page_token");
  let offset = 0;
  if (token) {
    offset = Number(Buffer.from(token, "base64url").toString("utf8"));
    if (!Number.isInteger(offset) || offset < 0) throw invalidArgument("page_token", "is invalid");
  }
  const page = items.slice(offset, offset + count);
  const link = (to: number) => {
    const next = new URL(`${apiBase}${path}`);
    for (const [k, v] of url.searchParams) if (k !== "page_token") next.searchParams.append(k, v);
    const t = Buffer.from(String(to)).toString("base64url");
    next.searchParams.set("page_token", t);
    return { url: next.toString(), token: t };
  };
  const next = offset + count < items.length ? link(offset + count) : null;
  const prev = offset > 0 ? link(Math.max(0, offset - count)) : null;
  return {
    collection: page,
    pagination: {
      count: page.length,
      next_page: next?.url ?? null,
      next_page_token: next?.token ?? null,
      previous_page: prev?.url ?? null,
      previous_page_token: prev?.token ?? null,
    },
  };
}

export function subscriptionResource(ctx: ApiContext): WebhookSubscription | undefined {
  const url = ctx.actions.webhooks.webhookUrl;
  if (!url) return undefined;
  const store = ctx.actions.store;
  return {
    uri: `${store.apiBase}/webhook_subscriptions/${ctx.subscription.uuid}`,
    callback_url: url,
    created_at: calendlyTime(ctx.subscription.createdAt),
    updated_at: calendlyTime(ctx.subscription.updatedAt),
    retry_started_at: null,
    state: "active",
    events: ["invitee.created", "invitee.canceled"],
    scope: "organization",
    organization: store.organizationUri,
    user: null,
    group: null,
    creator: store.owner.uri,
    has_signing_key: ctx.signingKey.length > 0,
  };
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

/** Handles a request whose pathname starts with /api. Faults have already been applied. */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const token = bearer(req);
  if (token !== ctx.token) {
    sendJson(
      res,
      401,
      ERRORS.unauthenticated(token ? "The access token is invalid" : "The access token is missing"),
      ctx.rateLimit.headers(),
    );
    return;
  }
  const { headers, limited } = ctx.rateLimit.hit();
  if (limited) {
    sendJson(res, 429, ERRORS.tooMany(), headers);
    return;
  }
  try {
    const result = await route(ctx, method, url, req);
    if (!result) sendJson(res, 404, ERRORS.notFound(), headers);
    else sendJson(res, result.status, result.body, headers);
  } catch (error) {
    if (error instanceof FakeCalendlyError) {
      const body: Record<string, unknown> = { title: error.title, message: error.message };
      if (error.details) body.details = error.details;
      sendJson(res, error.status, body, headers);
    } else if (error instanceof BodyError) {
      sendJson(res, 400, { title: "Invalid Argument", message: error.message }, headers);
    } else {
      sendJson(res, 500, ERRORS.server(500), headers);
    }
  }
}

type Result = { status: number; body: unknown } | undefined;

async function route(ctx: ApiContext, method: string, url: URL, req: IncomingMessage): Promise<Result> {
  const store = ctx.actions.store;
  const path = url.pathname.slice(API_PREFIX.length).replace(/\/+$/, "") || "/";
  let parts: string[];
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [collection, id, sub, subId, extra] = parts;
  const ok = (body: unknown, status = 200) => ({ status, body });

  if (method === "GET" && collection === "users" && id && !sub) {
    const host = id === "me" ? store.owner : store.hostByUuid(id);
    return host ? ok({ resource: store.userResource(host) }) : undefined;
  }

  if (method === "GET" && collection === "organizations" && id && !sub) {
    return id === store.organizationUuid ? ok({ resource: store.organizationResource() }) : undefined;
  }

  if (method === "GET" && collection === "event_types" && !id) {
    const user = url.searchParams.get("user");
    const organization = url.searchParams.get("organization");
    if (!user && !organization) throw invalidArgument("user", "user or organization must be given");
    if (organization && uuidFromUri(organization) !== store.organizationUuid) throw forbidden();
    let hostUuid: string | undefined;
    if (user) {
      const host = store.hostByUuid(uuidFromUri(user));
      if (!host) throw forbidden();
      hostUuid = host.uuid;
    }
    const items = store.eventTypesOf(hostUuid).map((et) => store.eventTypeResource(et));
    return ok(paginate(items, url, store.apiBase, "/event_types"));
  }

  if (method === "GET" && collection === "event_types" && id && !sub) {
    const et = store.eventTypeByUuid(id);
    return et ? ok({ resource: store.eventTypeResource(et) }) : undefined;
  }

  if (method === "GET" && collection === "scheduled_events" && !id) {
    const user = url.searchParams.get("user");
    const organization = url.searchParams.get("organization");
    if (!user && !organization) throw invalidArgument("organization", "user or organization must be given");
    if (organization && uuidFromUri(organization) !== store.organizationUuid) throw forbidden();
    const hostUuid = user ? uuidFromUri(user) : undefined;
    if (hostUuid && !store.hostByUuid(hostUuid)) throw forbidden();
    const status = url.searchParams.get("status");
    const email = url.searchParams.get("invitee_email")?.toLowerCase();
    const min = url.searchParams.get("min_start_time");
    const max = url.searchParams.get("max_start_time");
    const desc = url.searchParams.get("sort") === "start_time:desc";
    const events = store
      .allEvents()
      .filter((e) => !hostUuid || e.hostUuid === hostUuid)
      .filter((e) => !status || e.status === status)
      .filter((e) => !min || e.start >= new Date(min))
      .filter((e) => !max || e.start < new Date(max))
      .filter((e) => !email || store.inviteesOf(e.uuid).some((i) => i.email.toLowerCase() === email))
      .sort((a, b) => (desc ? -1 : 1) * (a.start.getTime() - b.start.getTime()))
      .map((e) => store.eventResource(e));
    return ok(paginate(events, url, store.apiBase, "/scheduled_events"));
  }

  if (collection === "scheduled_events" && id) {
    const event = store.eventByUuid(id);
    if (!event) return undefined;
    if (method === "GET" && !sub) return ok({ resource: store.eventResource(event) });
    if (method === "GET" && sub === "invitees" && !subId) {
      const status = url.searchParams.get("status");
      const email = url.searchParams.get("email")?.toLowerCase();
      const items = store
        .inviteesOf(event.uuid)
        .filter((i) => !status || i.status === status)
        .filter((i) => !email || i.email.toLowerCase() === email)
        .map((i) => store.inviteeResource(i));
      return ok(paginate(items, url, store.apiBase, `/scheduled_events/${event.uuid}/invitees`));
    }
    if (method === "GET" && sub === "invitees" && subId && !extra) {
      const invitee = store.inviteeByUuid(subId);
      return invitee && invitee.eventUuid === event.uuid ? ok({ resource: store.inviteeResource(invitee) }) : undefined;
    }
    if (method === "POST" && sub === "cancellation" && !subId) {
      const body = await readJsonObject(req);
      if (body.reason !== undefined && body.reason !== null && typeof body.reason !== "string") {
        throw invalidArgument("reason", "must be a string");
      }
      if (typeof body.reason === "string" && body.reason.length > 10_000) {
        throw invalidArgument("reason", "is too long (maximum is 10000 characters)");
      }
      // Calendly refuses to cancel an event that has already started (after "already canceled").
      if (event.status !== "canceled" && event.start.getTime() <= Date.now()) {
        throw new FakeCalendlyError(403, "Permission Denied", "Event in the past");
      }
      const cancellation = ctx.actions.cancelByHost(event.uuid, (body.reason as string | undefined) ?? null);
      return ok({ resource: cancellation }, 201);
    }
    return undefined;
  }

  if (method === "GET" && collection === "webhook_subscriptions" && !id) {
    const organization = url.searchParams.get("organization");
    const scope = url.searchParams.get("scope");
    if (!organization) throw invalidArgument("organization", "can't be blank");
    if (!scope || !["user", "organization", "group"].includes(scope)) {
      throw invalidArgument("scope", "must be one of user, organization, group");
    }
    if (uuidFromUri(organization) !== store.organizationUuid) throw forbidden();
    const subscription = subscriptionResource(ctx);
    const items = subscription && scope === "organization" ? [subscription] : [];
    return ok(paginate(items, url, store.apiBase, "/webhook_subscriptions"));
  }

  if (method === "GET" && collection === "webhook_subscriptions" && id && !sub) {
    const subscription = subscriptionResource(ctx);
    return subscription && id === ctx.subscription.uuid ? ok({ resource: subscription }) : undefined;
  }

  return undefined;
}

export function newSubscriptionState(): ApiContext["subscription"] {
  const now = new Date();
  return { uuid: randomUUID(), createdAt: now, updatedAt: now };
}
