// The fake's Calendly API v2, served under `${origin}/api` (production: https://api.calendly.com).
// Same shapes as Calendly: `{resource}`, `{collection, pagination}`, errors `{title, message, details?}`,
// Bearer auth (the personal access token, or an OAuth access token acting as its owner), and
// X-RateLimit-Limit/-Remaining/-Reset on every response, counted per user.

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  API_PREFIX,
  type ApiContext,
  type Caller,
  ERRORS,
  forbidden,
  invalidArgument,
  need,
  ownOrganization,
  paginate,
  RateLimiter,
  type Reply,
  type Result,
  sameOrganization,
} from "./api-common.js";
import { availableTimes, createInvitee } from "./api-scheduling.js";
import { webhookSubscriptions } from "./api-subscriptions.js";
import { BodyError, readJsonObject, sendJson } from "./http.js";
import type { RequestLogEntry } from "./server.js";
import { FakeCalendlyError, type HostRecord } from "./store.js";
import { uuidFromUri } from "./wire.js";

export { API_PREFIX, type ApiContext, ERRORS, RateLimiter, rateLimitedHeaders } from "./api-common.js";
export { newSubscriptionState, subscriptionResource } from "./api-subscriptions.js";

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

/** Who an API request's Bearer token stands for, if anyone (for the request log). */
export function callerOf(ctx: ApiContext, req: IncomingMessage): Caller | undefined {
  return authenticate(ctx, bearer(req));
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
  const reply: Reply = { headers };
  try {
    const result = await route(ctx, caller, method, url, req, reply);
    if (!result) sendJson(res, 404, ERRORS.notFound(), reply.headers);
    else if (result.status === 204) {
      res.writeHead(204, { ...reply.headers, "cache-control": "no-store" });
      res.end();
    } else sendJson(res, result.status, result.body, reply.headers);
  } catch (error) {
    if (error instanceof FakeCalendlyError) {
      const body: Record<string, unknown> = { title: error.title, message: error.message };
      if (error.details) body.details = error.details;
      sendJson(res, error.status, body, reply.headers);
    } else if (error instanceof BodyError) {
      sendJson(res, 400, { title: "Invalid Argument", message: error.message }, reply.headers);
    } else {
      sendJson(res, 500, ERRORS.server(500), reply.headers);
    }
  }
}

const STATUSES = new Set(["active", "canceled"]);

/** An optional time query parameter; a 400 naming it when it is not a time. */
function timeParam(url: URL, name: string): Date | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw invalidArgument(name, "must be an ISO 8601 time");
  return date;
}

function statusParam(url: URL): string | null {
  const status = url.searchParams.get("status");
  if (status !== null && !STATUSES.has(status)) throw invalidArgument("status", "must be active or canceled");
  return status;
}

async function route(
  ctx: ApiContext,
  caller: Caller,
  method: string,
  url: URL,
  req: IncomingMessage,
  reply: Reply,
): Promise<Result> {
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
    const status = statusParam(url);
    const email = url.searchParams.get("invitee_email")?.trim().toLowerCase();
    const min = timeParam(url, "min_start_time");
    const max = timeParam(url, "max_start_time");
    const sort = url.searchParams.get("sort");
    if (sort !== null && sort !== "start_time:asc" && sort !== "start_time:desc") {
      throw invalidArgument("sort", "must be start_time:asc or start_time:desc");
    }
    const desc = sort === "start_time:desc";
    const events = store
      .allEvents()
      .filter((e) => sameOrganization(caller, store.hostByUuid(e.hostUuid)))
      .filter((e) => !hostUuid || e.hostUuid === hostUuid)
      .filter((e) => !status || e.status === status)
      .filter((e) => !min || e.start >= min)
      .filter((e) => !max || e.start < max)
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
      const status = statusParam(url);
      const email = url.searchParams.get("email")?.trim().toLowerCase();
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

  if (method === "GET" && collection === "event_type_available_times" && !id) return availableTimes(ctx, caller, url);

  if (method === "POST" && collection === "invitees" && !id) return createInvitee(ctx, caller, req, reply);

  if (collection === "webhook_subscriptions") return webhookSubscriptions(ctx, caller, method, url, req, id, sub);

  return undefined;
}
