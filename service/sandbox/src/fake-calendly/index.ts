// Fake Calendly for the sandbox and the tests. One HTTP origin (`fake.url`) serves:
// - scheduling pages at `/{userSlug}/{eventSlug}` (Calendly: https://calendly.com/...),
//   a profile page at `/{userSlug}`, and the invitee's `/cancellations/{uuid}`, `/reschedulings/{uuid}`;
// - the API v2 under `/api` (`fake.apiBase`; Calendly: https://api.calendly.com), with Bearer auth,
//   `{title, message}` errors and X-RateLimit-* headers;
// - an OAuth 2.0 server at `/oauth/authorize|token|revoke` (Calendly: https://auth.calendly.com)
//   for one registered app, whose tokens act as the user who consented;
// - the booking backend the pages call, `/_sandbox/schedule|cancel|reschedule|health`, and the
//   test controls beside it.
// Several users: the ones given as `eventTypes` share one organization and the personal access
// token (the first is its owner); `users`/`addUser` add more, each in an organization of its own.
// Calendly's availability (`GET /event_type_available_times`) lists the free slots the pages offer;
// its Scheduling API (`POST /invitees`) books them like a page does, under per-user limits by tier
// (`setSchedulingTier`, `exhaustSchedulingBudget`); `takeSlot` books a time "directly in Calendly".
// It sends signed `invitee.created` / `invitee.canceled` webhooks to `webhookUrl` (the set-up's
// own subscription) and to every subscription created through the API.

import { FakeActions, type ScheduleResult } from "./actions.js";
import { API_PREFIX, type ApiContext, newSubscriptionState, RateLimiter } from "./api.js";
import { Faults } from "./faults.js";
import { type OAuthAppConfig, OAuthServer, type TokenRequestLogEntry } from "./oauth.js";
import type { SandboxControls } from "./sandbox-routes.js";
import {
  type SchedulingBudget,
  SchedulingLimits,
  type SchedulingTier,
  type SchedulingWindow,
} from "./scheduling-limits.js";
import { FakeServer, RESERVED_SLUGS, type RequestLogEntry } from "./server.js";
import {
  type CancellationLogEntry,
  FakeCalendlyError,
  type FakeEventTypeConfig,
  FakeStore,
  type FakeUserConfig,
  type FakeUserInfo,
  type HostRecord,
  type ScheduleInput,
} from "./store.js";
import { SubscriptionStore } from "./subscriptions.js";
import { type WebhookAttempt, type WebhookDelivery, WebhookDispatcher } from "./webhooks.js";
import type { Cancellation, Invitee, ScheduledEvent, WebhookSubscription } from "./wire.js";
import { uuidFromUri } from "./wire.js";

export type { ScheduleResult } from "./actions.js";
export type { ActiveFault, FaultSpec } from "./faults.js";
export { Faults } from "./faults.js";
export {
  ACCESS_TOKEN_SECONDS,
  CODE_SECONDS,
  DEFAULT_APP_SCOPES,
  KNOWN_SCOPES,
  type OAuthAppConfig,
  TOKEN_REQUESTS_PER_MINUTE,
  type TokenRequestLogEntry,
} from "./oauth.js";
export type { FakeCustomQuestionConfig, QuestionType } from "./questions.js";
export {
  SCHEDULING_LIMITS,
  SCHEDULING_TIERS,
  type SchedulingBudget,
  type SchedulingTier,
  type SchedulingWindow,
  type SchedulingWindowUsage,
} from "./scheduling-limits.js";
export type { RequestLogEntry } from "./server.js";
export type {
  CancellationLogEntry,
  FakeEventTypeConfig,
  FakeUserConfig,
  FakeUserInfo,
  ScheduleInput,
} from "./store.js";
export { FakeCalendlyError } from "./store.js";
export type { WebhookAttempt, WebhookDelivery } from "./webhooks.js";
export type { WebhookSubscription } from "./wire.js";

/** The OAuth app as registered (a copy). */
export interface FakeOAuthApp {
  clientId: string;
  clientSecret: string;
  signingKey: string;
  redirectUris: string[];
  scopes: string[];
  name: string;
}

export interface StartFakeCalendlyOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Origin written into URIs and pages when it differs from http://host:port (e.g. behind a proxy). */
  publicOrigin?: string;
  /** The API Bearer token it accepts. */
  token: string;
  /**
   * Signs the set-up's own deliveries (Calendly-Webhook-Signature), and those of subscriptions a
   * personal access token creates without a `signing_key`. Empty: those are sent unsigned.
   */
  webhookSigningKey: string;
  /** Callback URL of the set-up's own organization-scoped subscription (its organization's events). */
  webhookUrl?: string;
  eventTypes: FakeEventTypeConfig[];
  /** Waits between webhook retries. Default [200, 600, 1500]. */
  webhookRetryDelaysMs?: number[];
  /** Per-minute API request limit of each user. Default 500 (Calendly's paid plans). */
  rateLimitPerMinute?: number;
  /** More users, each with its own event types and (by default) its own organization. */
  users?: FakeUserConfig[];
  /**
   * Disable an API-created subscription when a delivery to it fails every retry, as Calendly does
   * after 24 hours of failures. Default false (only `disableWebhookSubscription` disables).
   */
  disableFailingSubscriptions?: boolean;
  /**
   * The registered OAuth app. Defaults: client id "sandbox-calendly-client-id", secret
   * "sandbox-calendly-client-secret", signing key `webhookSigningKey`, no redirect URIs yet
   * (`setOAuthRedirectUris`), every scope the fake knows.
   */
  oauth?: Partial<OAuthAppConfig>;
  /** The Scheduling API tier of users without one of their own. Default "paid" (10/min, 50/h, 100/day). */
  schedulingTier?: SchedulingTier;
}

/** A time taken "directly in Calendly": a visitor books it on the event type's scheduling page. */
export interface TakeSlotInput {
  /** The event type's URI or UUID; or `user` and `eventSlug`. */
  eventType?: string;
  /** The host's URI, UUID or slug. */
  user?: string;
  eventSlug?: string;
  /** One of the event type's available times. */
  startTime: string | Date;
  /** Default "Direct Visitor". */
  name?: string;
  /** Default "direct.visitor@sandbox.example". */
  email?: string;
  /** Default "UTC". */
  timezone?: string;
  /** Answers to the event type's questions by position (a1…a10). */
  answers?: string[];
}

export interface FakeCalendly {
  /** Origin of pages and API, e.g. http://127.0.0.1:PORT (production pages: https://calendly.com). */
  readonly url: string;
  /** `${url}/api` (production: https://api.calendly.com). Pass it to createCalendlyClient. */
  readonly apiBase: string;
  readonly port: number;
  /** URI of the personal access token's owner (its `/users/me`), the first configured user. */
  readonly userUri: string;
  /** The organization of the users given as `eventTypes`. */
  readonly organizationUri: string;
  /** Origin of the OAuth server: `${authBase}/oauth/authorize` (production: https://auth.calendly.com). */
  readonly authBase: string;
  /** The registered OAuth app (a copy). */
  readonly oauthApp: FakeOAuthApp;
  /** Replaces the app's registered redirect URIs (matched exactly). */
  setOAuthRedirectUris(uris: string[]): void;

  /** Every user, in creation order. */
  readonly users: FakeUserInfo[];
  /** A user by URI, UUID or slug. */
  user(uriUuidOrSlug: string): FakeUserInfo | undefined;
  /** A new sandbox user with its event types (and scheduling pages). Throws on bad input, creating nothing. */
  addUser(config: FakeUserConfig): FakeUserInfo;
  /**
   * What a browser does on the consent page, without one: opens `authorizeUrl`, then signs in as
   * `user` (URI, UUID or slug) and allows, or denies. Returns the redirect (Location) the app
   * gets. Throws when the authorize page shows an error instead of redirecting.
   */
  consent(authorizeUrl: string, decision: { user: string } | "deny"): string;

  /** Revokes every OAuth grant of a user (their access and refresh tokens), as removing the app does. */
  revokeTokens(userUri: string): number;
  /** Makes live access tokens (of one user, or everyone's) expired now; refresh tokens still work. */
  expireAccessTokens(userUri?: string): number;
  /**
   * Moves the clock of the OAuth server (code and token expiry, the token rate limit) and of the
   * Scheduling API's rate limit windows forward. Slots, events and "in the future" keep real time.
   */
  advanceClock(ms: number): void;
  /** Token endpoint requests for a user (or all of them, those for no known user included), in order. */
  tokenRequests(userUri?: string): TokenRequestLogEntry[];
  /** API requests made with a token of this user (OAuth or personal access token). */
  callsBy(userUri: string): RequestLogEntry[];

  /** Subscriptions created through the API, as `GET /webhook_subscriptions/{uuid}` shows them. */
  readonly webhookSubscriptions: WebhookSubscription[];
  /**
   * Disables a subscription (by URI) or every subscription of a user (by user URI), as Calendly
   * does after 24 hours of failed deliveries. Returns the URIs disabled.
   */
  disableWebhookSubscription(uriOrUserUri: string): string[];
  /** Scheduling page URL of an event type: `${url}/{userSlug}/{slug}`. */
  schedulingUrl(eventTypeUuid: string): string;
  setWebhookUrl(url: string | undefined): void;

  /** What the page's Schedule button does. Sends invitee.created. */
  schedule(input: ScheduleInput): Promise<ScheduleResult>;
  /**
   * Someone books `startTime` on the event type's page, as a visitor "directly in Calendly" would
   * (scheduled event, invitee, invitee.created). Throws 400 when it is no slot of the event type,
   * 409 when it is taken.
   */
  takeSlot(input: TakeSlotInput): Promise<ScheduleResult>;
  /** The event type's free slots in [from, to) (default: the next 7 days), as available times list them. */
  availableTimes(eventType: string, range?: { from?: string | Date; to?: string | Date }): string[];

  /** Sets a user's (URI, UUID or slug) Scheduling API tier: trial, paid or enterprise. */
  setSchedulingTier(user: string, tier: SchedulingTier): void;
  /** A user's Scheduling API tier and how much of each of its windows is used. */
  schedulingBudget(user: string): SchedulingBudget;
  /** Uses up one window of a user's Scheduling API budget (default: the tier's longest, e.g. the day). */
  exhaustSchedulingBudget(user: string, window?: SchedulingWindow): SchedulingBudget;
  /** Forgets the Scheduling API calls counted for a user: the whole budget is available again. */
  resetSchedulingBudget(user: string): void;
  /** The POST /invitees requests made with a user's tokens, in order (refused ones included). */
  schedulingCalls(user: string): RequestLogEntry[];
  /** The invitee cancels: event and invitee canceled, invitee.canceled sent. Throws if already canceled. */
  cancel(eventUuidOrUri: string, opts?: { rescheduled?: boolean; reason?: string }): Promise<Cancellation>;
  /** invitee.canceled (rescheduled: true, new_invitee) then invitee.created (old_invitee) for a new event. */
  reschedule(inviteeUuidOrUri: string, newStartTime: string | Date): Promise<ScheduleResult>;

  /** Current state as API resources, in creation order. */
  readonly events: ScheduledEvent[];
  readonly invitees: Invitee[];
  event(uuidOrUri: string): ScheduledEvent | undefined;
  invitee(uuidOrUri: string): Invitee | undefined;

  /** Every webhook delivery, in the order the events happened. */
  readonly deliveries: readonly WebhookDelivery[];
  /** Every successful cancellation (API, invitee, reschedule). */
  readonly cancellations: readonly CancellationLogEntry[];
  /** Every HTTP request the fake received. */
  readonly requests: readonly RequestLogEntry[];
  readonly faults: Faults;
  /** Sends delivery #index again (to the current webhook URL) with a fresh signature. */
  redeliver(index: number): Promise<WebhookAttempt>;
  /** Resolves when no webhook delivery is in flight or waiting to retry. */
  flushWebhooks(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeCalendly(options: StartFakeCalendlyOptions): Promise<FakeCalendly> {
  if (!options.token) throw new Error("startFakeCalendly: token is required");
  for (const et of options.eventTypes) {
    if (RESERVED_SLUGS.has(et.userSlug)) throw new Error(`startFakeCalendly: user slug "${et.userSlug}" is reserved`);
  }
  for (const user of options.users ?? []) {
    if (RESERVED_SLUGS.has(user.slug)) throw new Error(`startFakeCalendly: user slug "${user.slug}" is reserved`);
  }
  const host = options.host ?? "127.0.0.1";
  const server = new FakeServer();
  const port = await server.listen(options.port ?? 0, host);
  const origin = (options.publicOrigin ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`).replace(
    /\/+$/,
    "",
  );
  const apiBase = `${origin}${API_PREFIX}`;

  let store: FakeStore;
  let oauth: OAuthServer;
  try {
    store = new FakeStore(origin, apiBase, options.eventTypes);
    for (const user of options.users ?? []) store.addUser(user, RESERVED_SLUGS);
    oauth = new OAuthServer(
      {
        clientId: options.oauth?.clientId ?? "sandbox-calendly-client-id",
        clientSecret: options.oauth?.clientSecret ?? "sandbox-calendly-client-secret",
        signingKey: options.oauth?.signingKey ?? options.webhookSigningKey,
        ...(options.oauth?.redirectUris ? { redirectUris: options.oauth.redirectUris } : {}),
        ...(options.oauth?.scopes ? { scopes: options.oauth.scopes } : {}),
        ...(options.oauth?.name ? { name: options.oauth.name } : {}),
        ...(options.oauth?.refreshReuse ? { refreshReuse: options.oauth.refreshReuse } : {}),
      },
      (uuid) => store.hostByUuid(uuid)?.uri,
      (uuid) => {
        const h = store.hostByUuid(uuid);
        return h && store.organizationOf(h).uri;
      },
    );
  } catch (error) {
    await server.close();
    throw error;
  }
  const webhookOptions: ConstructorParameters<typeof WebhookDispatcher>[0] = {
    signingKey: options.webhookSigningKey,
    url: options.webhookUrl,
  };
  if (options.webhookRetryDelaysMs) webhookOptions.retryDelaysMs = options.webhookRetryDelaysMs;
  const webhooks = new WebhookDispatcher(webhookOptions);
  const subscriptions = new SubscriptionStore(store, options.disableFailingSubscriptions ?? false);
  const actions = new FakeActions(store, webhooks, subscriptions);
  const api: ApiContext = {
    actions,
    token: options.token,
    signingKey: options.webhookSigningKey,
    subscription: newSubscriptionState(),
    rateLimit: new RateLimiter(options.rateLimitPerMinute ?? 500),
    defaultRateLimit: options.rateLimitPerMinute ?? 500,
    rateLimits: new Map(),
    oauth,
    subscriptions,
    scheduling: new SchedulingLimits(options.schedulingTier ?? "paid", () => oauth.clock.now()),
  };
  for (const user of options.users ?? []) {
    if (user.schedulingTier) api.scheduling.setTier(store.hostBySlug(user.slug)!.uuid, user.schedulingTier);
  }
  const faults = new Faults();
  const requests: RequestLogEntry[] = [];

  const findHost = (ref: string): HostRecord | undefined => {
    const value = String(ref ?? "").trim();
    if (!value) return undefined;
    return store.hostByUuid(uuidFromUri(value)) ?? store.hostBySlug(value);
  };
  const mustFindHost = (ref: string): HostRecord => {
    const found = findHost(ref);
    if (!found) throw new FakeCalendlyError(404, "Resource Not Found", `No sandbox user ${ref}.`);
    return found;
  };
  const controls = {
    users: () => store.allHosts().map((h) => ({ ...store.userInfo(h), oauthConnected: oauth.connected(h.uuid) })),
    revokeTokens: (userUri: string) => oauth.revokeUser(mustFindHost(userUri).uuid),
    expireAccessTokens: (userUri?: string) =>
      oauth.expireAccessTokens(userUri === undefined ? undefined : mustFindHost(userUri).uuid),
    disableWebhookSubscription: (uriOrUserUri: string) => {
      const bySubscription = subscriptions.byUri(uriOrUserUri) ?? subscriptions.get(uuidFromUri(uriOrUserUri));
      const targets = bySubscription
        ? [bySubscription]
        : subscriptions.all().filter((r) => r.scope === "user" && r.userUuid === findHost(uriOrUserUri)?.uuid);
      if (targets.length === 0) {
        throw new FakeCalendlyError(404, "Resource Not Found", `No webhook subscription for ${uriOrUserUri}.`);
      }
      for (const record of targets) subscriptions.disable(record);
      return targets.map((r) => r.uri);
    },
    callsBy: (userUri: string) => {
      const host = mustFindHost(userUri);
      return requests.filter((r) => r.user === host.uri);
    },
    setSchedulingTier: (user: string, tier: SchedulingTier) => {
      const uuid = mustFindHost(user).uuid;
      api.scheduling.setTier(uuid, tier);
      return api.scheduling.budget(uuid);
    },
    schedulingBudget: (user: string) => api.scheduling.budget(mustFindHost(user).uuid),
    exhaustSchedulingBudget: (user: string, window?: SchedulingWindow) =>
      api.scheduling.exhaust(mustFindHost(user).uuid, window),
    resetSchedulingBudget: (user: string) => {
      const uuid = mustFindHost(user).uuid;
      api.scheduling.reset(uuid);
      return api.scheduling.budget(uuid);
    },
    takeSlot: (input: TakeSlotInput) => {
      let et = input.eventType ? store.eventTypeByUuid(uuidFromUri(input.eventType)) : undefined;
      if (!input.eventType && input.user && input.eventSlug) {
        et = store.eventTypeBySlugs(mustFindHost(input.user).slug, input.eventSlug);
      }
      if (!et) {
        throw new FakeCalendlyError(
          404,
          "Resource Not Found",
          "No such event type: give eventType, or user and eventSlug.",
        );
      }
      const start = input.startTime instanceof Date ? input.startTime : new Date(input.startTime);
      if (!store.isSlotStart(et.uuid, start)) {
        throw new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", [
          { parameter: "start_time", message: "is not an available time for this event type" },
        ]);
      }
      const scheduleInput: ScheduleInput = {
        eventTypeUuid: et.uuid,
        startTime: start,
        name: input.name ?? "Direct Visitor",
        email: input.email ?? "direct.visitor@sandbox.example",
        timezone: input.timezone ?? "UTC",
      };
      if (input.answers) scheduleInput.answers = input.answers;
      return actions.schedule(scheduleInput);
    },
  } satisfies SandboxControls;
  server.attach({ actions, api, oauth, controls, faults, requests });

  let closed: Promise<void> | undefined;

  return {
    url: origin,
    apiBase,
    port,
    userUri: store.owner.uri,
    organizationUri: store.organizationUri,
    authBase: origin,
    get oauthApp() {
      const app = oauth.app;
      return {
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        signingKey: app.signingKey,
        redirectUris: [...app.redirectUris],
        scopes: [...app.scopes],
        name: app.name,
      };
    },
    setOAuthRedirectUris(uris) {
      oauth.setRedirectUris(uris);
    },
    get users() {
      return store.allHosts().map((h) => store.userInfo(h));
    },
    user(ref) {
      const found = findHost(ref);
      return found && store.userInfo(found);
    },
    addUser(config) {
      const info = store.addUser(config, RESERVED_SLUGS);
      if (config.schedulingTier) api.scheduling.setTier(info.uuid, config.schedulingTier);
      return info;
    },
    consent(authorizeUrl, decision) {
      let query: URLSearchParams;
      try {
        query = new URL(authorizeUrl).searchParams;
      } catch {
        throw new Error(`consent: ${authorizeUrl} is not a URL`);
      }
      const outcome = oauth.authorize(query);
      if (outcome.kind === "error_page") throw new Error(`consent: ${outcome.title}: ${outcome.message}`);
      if (outcome.kind === "redirect") return outcome.location;
      if (decision === "deny") return oauth.decide(outcome.request.id, { allow: false });
      return oauth.decide(outcome.request.id, { allow: true, userUuid: mustFindHost(decision.user).uuid });
    },
    revokeTokens: controls.revokeTokens,
    expireAccessTokens: controls.expireAccessTokens,
    advanceClock(ms) {
      oauth.clock.advance(ms);
    },
    tokenRequests(userUri) {
      if (userUri === undefined) return [...oauth.tokenLog];
      const host = mustFindHost(userUri);
      return oauth.tokenLog.filter((e) => e.userUri === host.uri);
    },
    callsBy: controls.callsBy,
    get webhookSubscriptions() {
      return subscriptions.all().map((r) => subscriptions.resource(r));
    },
    disableWebhookSubscription: controls.disableWebhookSubscription,
    schedulingUrl(eventTypeUuid) {
      const et = store.eventTypeByUuid(uuidFromUri(eventTypeUuid));
      if (!et) throw new Error(`no event type ${eventTypeUuid}`);
      return store.schedulingUrl(et);
    },
    setWebhookUrl(url) {
      webhooks.setUrl(url);
      api.subscription.updatedAt = new Date();
    },
    async schedule(input) {
      return actions.schedule(input);
    },
    async cancel(eventUuidOrUri, opts = {}) {
      return actions.cancelByInvitee(eventUuidOrUri, {
        reason: opts.reason ?? null,
        rescheduled: opts.rescheduled ?? false,
      });
    },
    async reschedule(inviteeUuidOrUri, newStartTime) {
      return actions.reschedule(inviteeUuidOrUri, newStartTime);
    },
    async takeSlot(input) {
      return controls.takeSlot(input);
    },
    availableTimes(eventType, range = {}) {
      const et = store.eventTypeByUuid(uuidFromUri(eventType));
      if (!et) throw new Error(`no event type ${eventType}`);
      const from = range.from === undefined ? new Date() : new Date(range.from);
      const to = range.to === undefined ? new Date(from.getTime() + 7 * 86_400_000) : new Date(range.to);
      return store.slotsBetween(et.uuid, from, to).map((d) => d.toISOString());
    },
    setSchedulingTier(user, tier) {
      controls.setSchedulingTier(user, tier);
    },
    schedulingBudget: controls.schedulingBudget,
    exhaustSchedulingBudget: controls.exhaustSchedulingBudget,
    resetSchedulingBudget(user) {
      controls.resetSchedulingBudget(user);
    },
    schedulingCalls(user) {
      const host = mustFindHost(user);
      return requests.filter((r) => r.user === host.uri && r.method === "POST" && /^\/api\/invitees\/?$/.test(r.path));
    },
    get events() {
      return store.allEvents().map((e) => store.eventResource(e));
    },
    get invitees() {
      return store.allInvitees().map((i) => store.inviteeResource(i));
    },
    event(uuidOrUri) {
      const e = store.eventByUuid(uuidFromUri(uuidOrUri));
      return e && store.eventResource(e);
    },
    invitee(uuidOrUri) {
      const i = store.inviteeByUuid(uuidFromUri(uuidOrUri));
      return i && store.inviteeResource(i);
    },
    get deliveries() {
      return webhooks.deliveries;
    },
    get cancellations() {
      return store.cancellations;
    },
    get requests() {
      return requests;
    },
    faults,
    redeliver(index) {
      return webhooks.redeliver(index);
    },
    flushWebhooks() {
      return webhooks.idle();
    },
    close() {
      closed ??= (async () => {
        webhooks.close();
        await server.close();
        await webhooks.idle();
      })();
      return closed;
    },
  };
}
