// What the fake's API routes share: the request context, who the caller is, the per-user rate
// limiter, Calendly's error bodies, pagination, and the scope and organization checks.
import type { FakeActions } from "./actions.js";
import type { Headers } from "./http.js";
import { type OAuthServer, scopeCovers } from "./oauth.js";
import type { SchedulingLimits } from "./scheduling-limits.js";
import { FakeCalendlyError, type HostRecord } from "./store.js";
import type { SubscriptionStore } from "./subscriptions.js";
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
  /** The Scheduling API's (POST /invitees) own limits, per user and tier. */
  scheduling: SchedulingLimits;
}

/** What a route may change about its answer besides the body: the rate limit headers it reports. */
export interface Reply {
  headers: Headers;
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

export function invalidArgument(parameter: string, message: string): FakeCalendlyError {
  return new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", [
    { parameter, message },
  ]);
}

export function forbidden(): FakeCalendlyError {
  return new FakeCalendlyError(403, "Permission Denied", "You do not have permission to access this resource.");
}

export function paginate<T>(
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

export function forbiddenBecause(message: string): FakeCalendlyError {
  return new FakeCalendlyError(403, "Permission Denied", message);
}

/** The scope a request needs; a token without it gets Calendly's 403, the missing scope named in `details`. */
export function need(caller: Caller, scope: string): void {
  if (caller.scopes === null || scopeCovers(caller.scopes, scope)) return;
  throw new FakeCalendlyError(403, "Permission Denied", "You do not have permission to access this resource.", [
    { parameter: "scope", message: `requires the ${scope} scope` },
  ]);
}

export function sameOrganization(caller: Caller, host: HostRecord | undefined): host is HostRecord {
  return host !== undefined && host.organizationUuid === caller.host.organizationUuid;
}

/** The organization query parameter must be the caller's own. */
export function ownOrganization(caller: Caller, organization: string): void {
  if (uuidFromUri(organization) !== caller.host.organizationUuid) throw forbidden();
}

/** The set-up's own subscription (`setWebhookUrl`): organization-scoped, in the first organization. */

export type Result = { status: number; body: unknown } | undefined;
