// The fake's Calendly API v2, served under `${origin}/api` (production: https://api.calendly.com).
// Same shapes as Calendly: `{resource}`, `{collection, pagination}`, errors `{title, message, details?}`,
// Bearer auth, and X-RateLimit-Limit/-Remaining/-Reset on every response.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeActions } from "./actions.js";
import { BodyError, type Headers, readJsonObject, sendJson } from "./http.js";
import { type OAuthServer, scopeCovers } from "./oauth.js";
import type { RequestLogEntry } from "./server.js";
import { calendlyTime, FakeCalendlyError, type HostRecord } from "./store.js";
import { SUBSCRIBABLE_EVENTS, type SubscriptionStore } from "./subscriptions.js";
import type { WebhookSubscription } from "./wire.js";
import { uuidFromUri } from "./wire.js";

export const API_PREFIX = "/api";

export interface ApiContext {
  actions: FakeActions;
  /** The personal access token (its owner: the first configured user; every scope). */
  token: string;
  signingKey: string;
  /** The set-up's own organization subscription (its URL is `setWebhookUrl`'s). */
  subscription: { uuid: string; createdAt: Date; updatedAt: Date };
  /** The personal access token owner's limiter; also what faults' 429s report. */
  rateLimit: RateLimiter;
  /** Per-minute limit of users without one of their own. */
  defaultRateLimit: number;
  /** One limiter per user: Calendly's limits are per user. */
  rateLimits: Map<string, RateLimiter>;
  oauth: OAuthServer;
  subscriptions: SubscriptionStore;
}

/** Who an API request acts as. `scopes` null: a personal access token, which has every scope. */
export interface Caller {
  auth: "personal_access_token" | "oauth";
  host: HostRecord;
  scopes: string[] | null;
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

function forbiddenBecause(message: string): FakeCalendlyError {
  return new FakeCalendlyError(403, "Permission Denied", message);
}

/** The scope a request needs; a token without it gets Calendly's 403, the missing scope named in `details`. */
function need(caller: Caller, scope: string): void {
  if (caller.scopes === null || scopeCovers(caller.scopes, scope)) return;
  throw new FakeCalendlyError(403, "Permission Denied", "You do not have permission to access this resource.", [
    { parameter: "scope", message: `requires the ${scope} scope` },
  ]);
}

function sameOrganization(caller: Caller, host: HostRecord | undefined): host is HostRecord {
  return host !== undefined && host.organizationUuid === caller.host.organizationUuid;
}

/** The organization query parameter must be the caller's own. */
function ownOrganization(caller: Caller, organization: string): void {
  if (uuidFromUri(organization) !== caller.host.organizationUuid) throw forbidden();
}

/** The set-up's own subscription (`setWebhookUrl`): organization-scoped, in the first organization. */
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

/** The caller a Bearer token stands for: the personal access token's owner, or a live OAuth token's. */
function authenticate(ctx: ApiContext, token: string | undefined): Caller | undefined {
  if (!token) return undefined;
  const store = ctx.actions.store;
  if (token === ctx.token) return { auth: "personal_access_token", host: store.owner, scopes: null };
  const checked = ctx.oauth.check(token);
  if (!checked.ok) return undefined;
  const host = store.hostByUuid(checked.userUuid);
  return host ? { auth: "oauth", host, scopes: checked.scopes } : undefined;
}

export function limiterFor(ctx: ApiContext, host: HostRecord): RateLimiter {
  if (host.uuid === ctx.actions.store.owner.uuid && host.rateLimitPerMinute === undefined) return ctx.rateLimit;
  let limiter = ctx.rateLimits.get(host.uuid);
  if (!limiter) {
    limiter = new RateLimiter(host.rateLimitPerMinute ?? ctx.defaultRateLimit);
    ctx.rateLimits.set(host.uuid, limiter);
  }
  return limiter;
}

/** Handles a request whose pathname starts with /api. Faults have already been applied. */
export async function handleApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  entry?: RequestLogEntry,
): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const token = bearer(req);
  const caller = authenticate(ctx, token);
  if (!caller) {
    sendJson(
      res,
      401,
      ERRORS.unauthenticated(token ? "The access token is invalid" : "The access token is missing"),
      ctx.rateLimit.headers(),
    );
    return;
  }
  if (entry) {
    entry.user = caller.host.uri;
    entry.auth = caller.auth;
  }
  const { headers, limited } = limiterFor(ctx, caller.host).hit();
  if (limited) {
    sendJson(res, 429, ERRORS.tooMany(), headers);
    return;
  }
  try {
    const result = await route(ctx, caller, method, url, req);
    if (!result) sendJson(res, 404, ERRORS.notFound(), headers);
    else if (result.status === 204) {
      res.writeHead(204, { ...headers, "cache-control": "no-store" });
      res.end();
    } else sendJson(res, result.status, result.body, headers);
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

async function route(ctx: ApiContext, caller: Caller, method: string, url: URL, req: IncomingMessage): Promise<Result> {
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
    need(caller, "users:read");
    const host = id === "me" ? caller.host : store.hostByUuid(id);
    if (!host) return undefined;
    if (!sameOrganization(caller, host)) throw forbidden();
    return ok({ resource: store.userResource(host) });
  }

  if (method === "GET" && collection === "organizations" && id && !sub) {
    need(caller, "organizations:read");
    const org = store.organizationByUuid(id);
    if (!org) return undefined;
    if (org.uuid !== caller.host.organizationUuid) throw forbidden();
    return ok({ resource: store.organizationResource(org) });
  }

  if (method === "GET" && collection === "organization_memberships" && !id) {
    need(caller, "organizations:read");
    const user = url.searchParams.get("user");
    const organization = url.searchParams.get("organization");
    if (!user && !organization) throw invalidArgument("organization", "user or organization must be given");
    if (organization) ownOrganization(caller, organization);
    let hosts = store.allHosts().filter((h) => h.organizationUuid === caller.host.organizationUuid);
    if (user) {
      const host = store.hostByUuid(uuidFromUri(user));
      if (!sameOrganization(caller, host)) throw forbidden();
      hosts = [host];
    }
    const email = url.searchParams.get("email")?.toLowerCase();
    const items = hosts
      .filter((h) => !email || h.email.toLowerCase() === email)
      .map((h) => store.membershipResource(h));
    return ok(paginate(items, url, store.apiBase, "/organization_memberships"));
  }

  if (method === "GET" && collection === "organization_memberships" && id && !sub) {
    need(caller, "organizations:read");
    const host = store.hostByMembershipUuid(id);
    if (!host) return undefined;
    if (!sameOrganization(caller, host)) throw forbidden();
    return ok({ resource: store.membershipResource(host) });
  }

  if (method === "GET" && collection === "event_types" && !id) {
    need(caller, "event_types:read");
    const user = url.searchParams.get("user");
    const organization = url.searchParams.get("organization");
    if (!user && !organization) throw invalidArgument("user", "user or organization must be given");
    if (organization) ownOrganization(caller, organization);
    let hostUuid: string | undefined;
    if (user) {
      const host = store.hostByUuid(uuidFromUri(user));
      if (!sameOrganization(caller, host)) throw forbidden();
      hostUuid = host.uuid;
    }
    const items = store
      .eventTypesOf(hostUuid)
      .filter((et) => sameOrganization(caller, store.hostByUuid(et.hostUuid)))
      .map((et) => store.eventTypeResource(et));
    return ok(paginate(items, url, store.apiBase, "/event_types"));
  }

  if (method === "GET" && collection === "event_types" && id && !sub) {
    need(caller, "event_types:read");
    const et = store.eventTypeByUuid(id);
    if (!et) return undefined;
    if (!sameOrganization(caller, store.hostByUuid(et.hostUuid))) throw forbidden();
    return ok({ resource: store.eventTypeResource(et) });
  }

  if (method === "GET" && collection === "scheduled_events" && !id) {
    need(caller, "scheduled_events:read");
    const user = url.searchParams.get("user");
    const organization = url.searchParams.get("organization");
    if (!user && !organization) throw invalidArgument("organization", "user or organization must be given");
    if (organization) ownOrganization(caller, organization);
    const hostUuid = user ? uuidFromUri(user) : undefined;
    if (hostUuid && !sameOrganization(caller, store.hostByUuid(hostUuid))) throw forbidden();
    const status = url.searchParams.get("status");
    const email = url.searchParams.get("invitee_email")?.toLowerCase();
    const min = url.searchParams.get("min_start_time");
    const max = url.searchParams.get("max_start_time");
    const desc = url.searchParams.get("sort") === "start_time:desc";
    const events = store
      .allEvents()
      .filter((e) => sameOrganization(caller, store.hostByUuid(e.hostUuid)))
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
    need(caller, method === "POST" ? "scheduled_events:write" : "scheduled_events:read");
    if (!sameOrganization(caller, store.hostByUuid(event.hostUuid))) throw forbidden();
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

  if (collection === "webhook_subscriptions") return webhookSubscriptions(ctx, caller, method, url, req, id, sub);

  return undefined;
}

async function webhookSubscriptions(
  ctx: ApiContext,
  caller: Caller,
  method: string,
  url: URL,
  req: IncomingMessage,
  id: string | undefined,
  sub: string | undefined,
): Promise<Result> {
  const store = ctx.actions.store;
  const subscriptions = ctx.subscriptions;
  const legacy = subscriptionResource(ctx);
  const isLegacy = (uuid: string) => legacy !== undefined && uuid === ctx.subscription.uuid;
  const isOwner = caller.host.role === "owner";
  if (sub) return undefined;

  if (method === "GET" && !id) {
    need(caller, "webhooks:read");
    const organization = url.searchParams.get("organization");
    const scope = url.searchParams.get("scope");
    const user = url.searchParams.get("user");
    if (!organization) throw invalidArgument("organization", "can't be blank");
    if (!scope || !["user", "organization", "group"].includes(scope)) {
      throw invalidArgument("scope", "must be one of user, organization, group");
    }
    if (scope === "user" && !user) throw invalidArgument("user", "can't be blank when scope is user");
    if (uuidFromUri(organization) !== caller.host.organizationUuid)
      throw forbiddenBecause("You do not have permission");
    const userUuid = user ? uuidFromUri(user) : undefined;
    if (userUuid) {
      const host = store.hostByUuid(userUuid);
      if (!sameOrganization(caller, host)) throw forbiddenBecause("Unauthorized");
      if (userUuid !== caller.host.uuid && !isOwner) throw forbiddenBecause("Unauthorized");
    }
    let items: WebhookSubscription[] = [];
    if (scope === "organization") {
      if (legacy && caller.host.organizationUuid === store.organizationUuid) items.push(legacy);
    }
    if (scope !== "group") {
      const records = subscriptions
        .all()
        .filter((r) => r.organizationUuid === caller.host.organizationUuid && r.scope === scope)
        .filter((r) => !userUuid || r.userUuid === userUuid);
      items = items.concat(records.map((r) => subscriptions.resource(r)));
    }
    if (url.searchParams.get("sort") === "created_at:desc") items.reverse();
    return { status: 200, body: paginate(items, url, store.apiBase, "/webhook_subscriptions") };
  }

  if (method === "POST" && !id) {
    need(caller, "webhooks:write");
    const body = await readJsonObject(req);
    const details: Array<{ parameter: string; message: string }> = [];
    const callback = typeof body.url === "string" ? body.url.trim() : "";
    let callbackOk = false;
    try {
      const parsed = new URL(callback);
      callbackOk = parsed.protocol === "https:" || parsed.protocol === "http:";
    } catch {
      callbackOk = false;
    }
    if (!callback) details.push({ parameter: "url", message: "can't be blank" });
    else if (!callbackOk) details.push({ parameter: "url", message: "is not a valid URL" });
    const events = body.events;
    if (!Array.isArray(events) || events.length === 0) {
      details.push({ parameter: "events", message: "can't be blank" });
    } else if (events.some((e) => !(SUBSCRIBABLE_EVENTS as readonly unknown[]).includes(e))) {
      details.push({ parameter: "events", message: `must be among ${SUBSCRIBABLE_EVENTS.join(", ")}` });
    } else if (new Set(events).size !== events.length) {
      details.push({ parameter: "events", message: "must not repeat an event" });
    }
    const scope = body.scope;
    if (scope !== "user" && scope !== "organization") {
      details.push({ parameter: "scope", message: "must be user or organization" });
    }
    if (typeof body.organization !== "string" || !body.organization) {
      details.push({ parameter: "organization", message: "can't be blank" });
    }
    if (scope === "user" && (typeof body.user !== "string" || !body.user)) {
      details.push({ parameter: "user", message: "can't be blank when scope is user" });
    }
    if (scope === "user" && Array.isArray(events) && events.includes("routing_form_submission.created")) {
      details.push({ parameter: "events", message: "routing_form_submission.created needs the organization scope" });
    }
    if (body.signing_key !== undefined && typeof body.signing_key !== "string") {
      details.push({ parameter: "signing_key", message: "must be a string" });
    }
    if (details.length > 0) {
      throw new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", details);
    }
    if (uuidFromUri(body.organization as string) !== caller.host.organizationUuid) throw forbidden();
    let userUuid: string | null = null;
    if (scope === "user") {
      const host = store.hostByUuid(uuidFromUri(body.user as string));
      if (!sameOrganization(caller, host)) throw forbidden();
      if (host.uuid !== caller.host.uuid && !isOwner) throw forbiddenBecause("You do not have permission");
      userUuid = host.uuid;
    } else if (!isOwner) {
      throw forbidden();
    }
    const input = {
      callbackUrl: callback,
      scope: scope as "user" | "organization",
      organizationUuid: caller.host.organizationUuid,
      userUuid,
    };
    const legacyClash =
      legacy !== undefined &&
      input.scope === "organization" &&
      input.organizationUuid === store.organizationUuid &&
      legacy.callback_url === callback;
    if (legacyClash || subscriptions.duplicate(input)) {
      throw new FakeCalendlyError(409, "Already Exists", "Hook with this url already exists");
    }
    // An OAuth app signs everything with its one key; a personal access token's subscription
    // uses the signing_key it was created with (the set-up's key when none is given).
    const signingKey =
      caller.auth === "oauth"
        ? ctx.oauth.app.signingKey
        : typeof body.signing_key === "string"
          ? body.signing_key
          : ctx.signingKey;
    const record = subscriptions.create({
      ...input,
      events: [...(events as string[])],
      creatorUuid: caller.host.uuid,
      signingKey,
    });
    return { status: 201, body: { resource: subscriptions.resource(record) } };
  }

  if (id && (method === "GET" || method === "DELETE")) {
    need(caller, method === "GET" ? "webhooks:read" : "webhooks:write");
    if (isLegacy(id)) {
      if (caller.host.organizationUuid !== store.organizationUuid) throw forbidden();
      if (method === "GET") return { status: 200, body: { resource: legacy } };
      if (!isOwner) throw forbidden();
      ctx.actions.webhooks.setUrl(undefined);
      return { status: 204, body: undefined };
    }
    const record = subscriptions.get(id);
    if (!record) return undefined;
    if (record.organizationUuid !== caller.host.organizationUuid) throw forbidden();
    if (record.scope === "user" && record.userUuid !== caller.host.uuid && !isOwner) throw forbidden();
    if (method === "GET") return { status: 200, body: { resource: subscriptions.resource(record) } };
    subscriptions.delete(record.uuid);
    return { status: 204, body: undefined };
  }

  return undefined;
}

export function newSubscriptionState(): ApiContext["subscription"] {
  const now = new Date();
  return { uuid: randomUUID(), createdAt: now, updatedAt: now };
}
