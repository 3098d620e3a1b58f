// Calendly API v2 client. One module for the sandbox and production: only the base URL and
// the token differ (production: https://api.calendly.com; sandbox: the fake's `${url}/api`).
//
// Behaviour:
// - Bearer auth; a per-attempt timeout (AbortController) that covers reading the body too.
// - Retries 429 (waiting X-RateLimit-Reset seconds, capped; beyond the cap it gives up at once),
//   5xx, network errors and timeouts with jittered exponential backoff. Never retries other 4xx.
// - Errors are `CalendlyError` with a `kind`; Calendly's error body is `{title, message, details?}`.
// - `cancelEvent` treats a 403 on an event that is already canceled as success, so it is
//   idempotent and safe to retry, and reports a 403 on an event that has started (nothing is left
//   to release) as done. Which it is comes from the event itself, read after the 403: Calendly's
//   error body carries no code, only prose.
// - `createInvitee` (the Scheduling API) is never retried here: a lost answer may still have
//   booked. Its caller looks the invitee up by tracking before trying again.
import {
  type AvailableTime,
  CALENDLY_API_BASE,
  type CalendlyUser,
  type Cancellation,
  type Collection,
  type CreateInviteeBody,
  type EventType,
  type Invitee,
  type Pagination,
  type ScheduledEvent,
  uuidFromUri,
  type WebhookSubscription,
} from "./calendly-types.js";

// The API's shapes are re-exported so that importers of the client need one module.
export * from "./calendly-types.js";

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export type CalendlyErrorKind =
  | "not_found"
  | "unauthorized"
  | "rate_limited"
  | "timeout"
  | "network"
  | "server"
  | "invalid";

export interface CalendlyErrorInit {
  kind: CalendlyErrorKind;
  status: number | null;
  title: string;
  message: string;
  retryable: boolean;
  details?: unknown;
  retryAfterMs?: number;
  method?: string;
  path?: string;
  cause?: unknown;
}

export class CalendlyError extends Error {
  override readonly name = "CalendlyError";
  readonly kind: CalendlyErrorKind;
  /** HTTP status, or null when no response arrived (timeout, network). */
  readonly status: number | null;
  /** Calendly's `title` (e.g. "Resource Not Found"), or a synthetic one for timeouts/network. */
  readonly title: string;
  /** True when the same call may succeed later (429, 5xx, timeout, network). */
  readonly retryable: boolean;
  readonly details?: unknown;
  /** For 429: how long Calendly asked us to wait. */
  readonly retryAfterMs?: number;
  readonly method?: string;
  /** Path relative to the API base, without the query string (no PII). */
  readonly path?: string;
  /** How many attempts were made before this error was thrown. */
  attempts = 1;

  constructor(init: CalendlyErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.title = init.title;
    this.retryable = init.retryable;
    if (init.details !== undefined) this.details = init.details;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.method !== undefined) this.method = init.method;
    if (init.path !== undefined) this.path = init.path;
  }
}

export function isCalendlyError(value: unknown): value is CalendlyError {
  return value instanceof CalendlyError;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const UUID_SEGMENT = /^[A-Za-z0-9_-]{1,100}$/;

function segment(uuidOrUri: string, what: string): string {
  const id = uuidFromUri(uuidOrUri);
  if (!UUID_SEGMENT.test(id)) {
    throw new CalendlyError({
      kind: "invalid",
      status: null,
      title: "Invalid Argument",
      message: `${what} is not a Calendly UUID or URI`,
      retryable: false,
    });
  }
  return id;
}

function parseResetMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) return undefined;
  // Calendly sends seconds until the window resets. Be lenient with an epoch timestamp.
  if (n > 1_000_000_000) return Math.max(0, n * 1000 - nowMs);
  return Math.ceil(n * 1000);
}

function kindForStatus(status: number): CalendlyErrorKind {
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server";
  return "invalid";
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/** Where a client gets its bearer token when it is not a fixed one (a builder's OAuth connection). */
export interface CalendlyAuth {
  /** The access token for the next request. */
  token(): Promise<string>;
  /**
   * Called once per call after Calendly answered 401 to `rejected`: resolves true when a fresh
   * token is now available (the call is then sent once more), false when there is none.
   */
  renew?(rejected: string): Promise<boolean>;
}

export interface CalendlyClientOptions {
  /** Default https://api.calendly.com. The sandbox's is `${fake.url}/api`. */
  apiBase?: string;
  /** A fixed token (the personal access token), or `auth`. */
  token?: string;
  auth?: CalendlyAuth;
  /** Per attempt, including reading the body. Default 5000. */
  timeoutMs?: number;
  /** Retries after the first attempt (so at most maxRetries + 1 requests). Default 3. */
  maxRetries?: number;
  /** Longest X-RateLimit-Reset wait honoured before giving up with `rate_limited`. Default 10 s. */
  maxRateLimitWaitMs?: number;
  /** First backoff step for 5xx/network/timeout; doubles per retry, jittered. Default 250 ms. */
  backoffBaseMs?: number;
  /** Backoff ceiling. Default 4000 ms. */
  backoffMaxMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** For tests; defaults to Math.random. Used for backoff jitter. */
  random?: () => number;
}

export interface ListWebhookSubscriptionsParams {
  organization: string;
  scope: "user" | "organization" | "group";
  user?: string;
  group?: string;
  count?: number;
  pageToken?: string;
}

export interface ListEventTypesParams {
  user?: string;
  organization?: string;
  active?: boolean;
  count?: number;
  pageToken?: string;
}

export interface CancelEventResult {
  /** True when Calendly said the event was already canceled (an earlier attempt, or the invitee). */
  alreadyCanceled: boolean;
  /** True when Calendly refused because the event has already started: there is no slot left to free. */
  inThePast: boolean;
  /** The cancellation created by this call; null when it was already canceled or in the past. */
  cancellation: Cancellation | null;
}

export interface CreateWebhookSubscriptionParams {
  url: string;
  events: string[];
  organization: string;
  user?: string;
  scope: "user" | "organization";
  /** For a personal access token's subscriptions; an OAuth app's are signed with the app's key. */
  signingKey?: string;
}

export interface CalendlyClient {
  readonly apiBase: string;
  createWebhookSubscription(params: CreateWebhookSubscriptionParams): Promise<WebhookSubscription>;
  /** DELETE /webhook_subscriptions/{uuid}; one already gone (404) counts as deleted. */
  deleteWebhookSubscription(uuidOrUri: string): Promise<void>;
  getCurrentUser(): Promise<CalendlyUser>;
  getScheduledEvent(uuidOrUri: string): Promise<ScheduledEvent>;
  getInvitee(eventUuidOrUri: string, inviteeUuidOrUri: string): Promise<Invitee>;
  /** POST /scheduled_events/{uuid}/cancellation. Idempotent: "already canceled" and "in the past" resolve too. */
  cancelEvent(eventUuidOrUri: string, reason?: string): Promise<CancelEventResult>;
  listWebhookSubscriptions(params: ListWebhookSubscriptionsParams): Promise<Collection<WebhookSubscription>>;
  getEventType(uuidOrUri: string): Promise<EventType>;
  listEventTypes(params: ListEventTypesParams): Promise<Collection<EventType>>;
  /** GET /event_type_available_times: both times in the future, at most 31 days apart. */
  listAvailableTimes(params: { eventType: string; startTime: string; endTime: string }): Promise<AvailableTime[]>;
  /** POST /invitees (Scheduling API): books `event_type` at `start_time`. Not retried (see above). */
  createInvitee(body: CreateInviteeBody): Promise<Invitee>;
  /** GET /scheduled_events, one page. */
  listScheduledEvents(params: ListScheduledEventsParams): Promise<Collection<ScheduledEvent>>;
  /** GET /scheduled_events/{uuid}/invitees, one page. */
  listEventInvitees(
    eventUuidOrUri: string,
    params?: { email?: string; status?: "active" | "canceled"; count?: number },
  ): Promise<Collection<Invitee>>;
}

export interface ListScheduledEventsParams {
  user?: string;
  organization?: string;
  inviteeEmail?: string;
  minStartTime?: string;
  maxStartTime?: string;
  status?: "active" | "canceled";
  count?: number;
  pageToken?: string;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestSpec {
  method: "GET" | "POST" | "DELETE";
  path: string;
  /** False for calls that must not be repeated blindly (they may have taken effect). */
  retry?: boolean;
  query?: Query;
  body?: unknown;
}

type AttemptResult = { ok: true; status: number; json: unknown } | { ok: false; error: CalendlyError };

export function createCalendlyClient(options: CalendlyClientOptions): CalendlyClient {
  const apiBase = (options.apiBase ?? CALENDLY_API_BASE).replace(/\/+$/, "");
  const fixed = options.token;
  const auth: CalendlyAuth | undefined = options.auth ?? (fixed ? { token: async () => fixed } : undefined);
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxRetries = Math.max(0, options.maxRetries ?? 3);
  const maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 10_000;
  const backoffBaseMs = options.backoffBaseMs ?? 250;
  const backoffMaxMs = options.backoffMaxMs ?? 4000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  if (!auth) throw new Error("createCalendlyClient: a token or auth is required");

  function backoff(retry: number): number {
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (retry - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  function urlFor(spec: RequestSpec): string {
    const url = new URL(`${apiBase}${spec.path}`);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  async function attempt(spec: RequestSpec, url: string, token: string): Promise<AttemptResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const base = { method: spec.method, path: spec.path };
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        accept: "application/json",
      };
      const init: RequestInit = { method: spec.method, headers, signal: controller.signal };
      if (spec.body !== undefined) {
        headers["content-type"] = "application/json";
        init.body = JSON.stringify(spec.body);
      }
      const res = await doFetch(url, init);
      const text = await res.text();
      let json: unknown;
      let parsed = true;
      if (text.length > 0) {
        try {
          json = JSON.parse(text);
        } catch {
          parsed = false;
        }
      }
      if (res.status >= 200 && res.status < 300) {
        if (!parsed) {
          return {
            ok: false,
            error: new CalendlyError({
              ...base,
              kind: "invalid",
              status: res.status,
              title: "Invalid Response",
              message: "Calendly answered with a body that is not JSON",
              retryable: false,
            }),
          };
        }
        return { ok: true, status: res.status, json };
      }
      const body = (parsed && json && typeof json === "object" ? json : {}) as {
        title?: unknown;
        message?: unknown;
        details?: unknown;
      };
      const kind = kindForStatus(res.status);
      const init2: CalendlyErrorInit = {
        ...base,
        kind,
        status: res.status,
        title: typeof body.title === "string" ? body.title : res.statusText || `HTTP ${res.status}`,
        message: typeof body.message === "string" ? body.message : `Calendly answered ${res.status}`,
        retryable: kind === "rate_limited" || kind === "server",
      };
      if (body.details !== undefined) init2.details = body.details;
      if (kind === "rate_limited") {
        const resetMs = parseResetMs(res.headers.get("x-ratelimit-reset"), Date.now());
        if (resetMs !== undefined) init2.retryAfterMs = resetMs;
      }
      return { ok: false, error: new CalendlyError(init2) };
    } catch (cause) {
      if (cause instanceof CalendlyError) return { ok: false, error: cause };
      if (controller.signal.aborted) {
        return {
          ok: false,
          error: new CalendlyError({
            ...base,
            kind: "timeout",
            status: null,
            title: "Timeout",
            message: `Calendly did not answer within ${timeoutMs} ms`,
            retryable: true,
            cause,
          }),
        };
      }
      return {
        ok: false,
        error: new CalendlyError({
          ...base,
          kind: "network",
          status: null,
          title: "Network Error",
          message: `Could not reach Calendly: ${cause instanceof Error ? cause.message : String(cause)}`,
          retryable: true,
          cause,
        }),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  async function request(spec: RequestSpec): Promise<{ status: number; json: unknown }> {
    const url = urlFor(spec);
    let renewed = false;
    for (let n = 1; ; n++) {
      const token = await auth!.token();
      const result = await attempt(spec, url, token);
      if (result.ok) return result;
      const error = result.error;
      // A rotated or expired OAuth token: one more try with a fresh one, not counted as a retry.
      if (error.status === 401 && !renewed && auth!.renew) {
        renewed = true;
        if (await auth!.renew(token)) {
          n--;
          continue;
        }
      }
      error.attempts = n;
      if (!error.retryable || n > maxRetries || spec.retry === false) throw error;
      let waitMs: number;
      if (error.kind === "rate_limited" && error.retryAfterMs !== undefined) {
        // Waiting longer than the cap would stall a request handler: report it instead.
        if (error.retryAfterMs > maxRateLimitWaitMs) throw error;
        waitMs = Math.max(error.retryAfterMs, 1);
      } else {
        waitMs = backoff(n);
      }
      await sleep(waitMs);
    }
  }

  function invalidShape(spec: RequestSpec, status: number, what: string): CalendlyError {
    return new CalendlyError({
      kind: "invalid",
      status,
      title: "Invalid Response",
      message: `Calendly answered without ${what}`,
      retryable: false,
      method: spec.method,
      path: spec.path,
    });
  }

  async function getResource<T>(spec: RequestSpec): Promise<T> {
    const { status, json } = await request(spec);
    const resource = (json as { resource?: unknown } | undefined)?.resource;
    if (!resource || typeof resource !== "object") throw invalidShape(spec, status, "a resource");
    return resource as T;
  }

  async function getCollection<T>(spec: RequestSpec): Promise<Collection<T>> {
    const { status, json } = await request(spec);
    const body = json as { collection?: unknown; pagination?: unknown } | undefined;
    if (!body || !Array.isArray(body.collection)) throw invalidShape(spec, status, "a collection");
    const pagination = (body.pagination ?? {}) as Partial<Pagination>;
    return {
      collection: body.collection as T[],
      pagination: {
        count: pagination.count ?? body.collection.length,
        next_page: pagination.next_page ?? null,
        next_page_token: pagination.next_page_token ?? null,
        previous_page: pagination.previous_page ?? null,
        previous_page_token: pagination.previous_page_token ?? null,
      },
    };
  }

  return {
    apiBase,

    createWebhookSubscription(params) {
      return getResource<WebhookSubscription>({
        method: "POST",
        path: "/webhook_subscriptions",
        body: {
          url: params.url,
          events: params.events,
          organization: params.organization,
          scope: params.scope,
          ...(params.user ? { user: params.user } : {}),
          ...(params.signingKey ? { signing_key: params.signingKey } : {}),
        },
      });
    },

    async deleteWebhookSubscription(uuidOrUri) {
      const id = segment(uuidOrUri, "webhook subscription");
      try {
        await request({ method: "DELETE", path: `/webhook_subscriptions/${id}` });
      } catch (error) {
        if (error instanceof CalendlyError && error.status === 404) return;
        throw error;
      }
    },

    getCurrentUser() {
      return getResource<CalendlyUser>({ method: "GET", path: "/users/me" });
    },

    async getScheduledEvent(uuidOrUri) {
      const id = segment(uuidOrUri, "event");
      return getResource<ScheduledEvent>({ method: "GET", path: `/scheduled_events/${id}` });
    },

    async getInvitee(eventUuidOrUri, inviteeUuidOrUri) {
      const eventId = segment(eventUuidOrUri, "event");
      const inviteeId = segment(inviteeUuidOrUri, "invitee");
      return getResource<Invitee>({ method: "GET", path: `/scheduled_events/${eventId}/invitees/${inviteeId}` });
    },

    async cancelEvent(eventUuidOrUri, reason) {
      const id = segment(eventUuidOrUri, "event");
      const spec: RequestSpec = {
        method: "POST",
        path: `/scheduled_events/${id}/cancellation`,
        body: reason === undefined ? {} : { reason },
      };
      try {
        const cancellation = await getResource<Cancellation>(spec);
        return { alreadyCanceled: false, inThePast: false, cancellation };
      } catch (error) {
        if (!(error instanceof CalendlyError && error.status === 403)) throw error;
        const event = await getResource<ScheduledEvent>({ method: "GET", path: `/scheduled_events/${id}` });
        if (event.status === "canceled") return { alreadyCanceled: true, inThePast: false, cancellation: null };
        if (Date.parse(event.start_time) <= Date.now()) {
          return { alreadyCanceled: false, inThePast: true, cancellation: null };
        }
        throw error;
      }
    },

    listWebhookSubscriptions(params) {
      return getCollection<WebhookSubscription>({
        method: "GET",
        path: "/webhook_subscriptions",
        query: {
          organization: params.organization,
          scope: params.scope,
          user: params.user,
          group: params.group,
          count: params.count,
          page_token: params.pageToken,
        },
      });
    },

    async getEventType(uuidOrUri) {
      const id = segment(uuidOrUri, "event type");
      return getResource<EventType>({ method: "GET", path: `/event_types/${id}` });
    },

    async listAvailableTimes(params) {
      const page = await getCollection<AvailableTime>({
        method: "GET",
        path: "/event_type_available_times",
        query: { event_type: params.eventType, start_time: params.startTime, end_time: params.endTime },
      });
      return page.collection;
    },

    createInvitee(body) {
      return getResource<Invitee>({ method: "POST", path: "/invitees", body, retry: false });
    },

    listScheduledEvents(params) {
      return getCollection<ScheduledEvent>({
        method: "GET",
        path: "/scheduled_events",
        query: {
          user: params.user,
          organization: params.organization,
          invitee_email: params.inviteeEmail,
          min_start_time: params.minStartTime,
          max_start_time: params.maxStartTime,
          status: params.status,
          count: params.count,
          page_token: params.pageToken,
        },
      });
    },

    async listEventInvitees(eventUuidOrUri, params = {}) {
      const id = segment(eventUuidOrUri, "event");
      return getCollection<Invitee>({
        method: "GET",
        path: `/scheduled_events/${id}/invitees`,
        query: { email: params.email, status: params.status, count: params.count },
      });
    },

    listEventTypes(params) {
      return getCollection<EventType>({
        method: "GET",
        path: "/event_types",
        query: {
          user: params.user,
          organization: params.organization,
          active: params.active,
          count: params.count,
          page_token: params.pageToken,
        },
      });
    },
  };
}
