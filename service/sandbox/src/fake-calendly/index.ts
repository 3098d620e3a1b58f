// Fake Calendly for the sandbox and the tests. One HTTP origin (`fake.url`) serves:
// - scheduling pages at `/{userSlug}/{eventSlug}` (Calendly: https://calendly.com/...),
//   a profile page at `/{userSlug}`, and the invitee's `/cancellations/{uuid}`, `/reschedulings/{uuid}`;
// - the API v2 under `/api` (`fake.apiBase`; Calendly: https://api.calendly.com), with Bearer auth,
//   `{title, message}` errors and X-RateLimit-* headers;
// - the booking backend the pages call, `/_sandbox/schedule|cancel|reschedule|health`.
// It sends signed `invitee.created` / `invitee.canceled` webhooks to `webhookUrl`.

import { FakeActions, type ScheduleResult } from "./actions.js";
import { API_PREFIX, type ApiContext, newSubscriptionState, RateLimiter } from "./api.js";
import { Faults } from "./faults.js";
import { FakeServer, RESERVED_SLUGS, type RequestLogEntry } from "./server.js";
import { type CancellationLogEntry, type FakeEventTypeConfig, FakeStore, type ScheduleInput } from "./store.js";
import { type WebhookAttempt, type WebhookDelivery, WebhookDispatcher } from "./webhooks.js";
import type { Cancellation, Invitee, ScheduledEvent } from "./wire.js";
import { uuidFromUri } from "./wire.js";

export type { ScheduleResult } from "./actions.js";
export type { ActiveFault, FaultSpec } from "./faults.js";
export { Faults } from "./faults.js";
export type { RequestLogEntry } from "./server.js";
export type { CancellationLogEntry, FakeEventTypeConfig, ScheduleInput } from "./store.js";
export { FakeCalendlyError } from "./store.js";
export type { WebhookAttempt, WebhookDelivery } from "./webhooks.js";

export interface StartFakeCalendlyOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Origin written into URIs and pages when it differs from http://host:port (e.g. behind a proxy). */
  publicOrigin?: string;
  /** The API Bearer token it accepts. */
  token: string;
  /** Signs deliveries (Calendly-Webhook-Signature). Empty: deliveries are sent unsigned. */
  webhookSigningKey: string;
  /** Callback URL of the (single, organization-scoped) webhook subscription. */
  webhookUrl?: string;
  eventTypes: FakeEventTypeConfig[];
  /** Waits between webhook retries. Default [200, 600, 1500]. */
  webhookRetryDelaysMs?: number[];
  /** Per-minute API request limit. Default 500 (Calendly's paid plans). */
  rateLimitPerMinute?: number;
}

export interface FakeCalendly {
  /** Origin of pages and API, e.g. http://127.0.0.1:PORT (production pages: https://calendly.com). */
  readonly url: string;
  /** `${url}/api` (production: https://api.calendly.com). Pass it to createCalendlyClient. */
  readonly apiBase: string;
  readonly port: number;
  /** URI of the token owner (`/users/me`), the first configured user. */
  readonly userUri: string;
  readonly organizationUri: string;
  /** Scheduling page URL of an event type: `${url}/{userSlug}/{slug}`. */
  schedulingUrl(eventTypeUuid: string): string;
  setWebhookUrl(url: string | undefined): void;

  /** What the page's Schedule button does. Sends invitee.created. */
  schedule(input: ScheduleInput): Promise<ScheduleResult>;
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
  const host = options.host ?? "127.0.0.1";
  const server = new FakeServer();
  const port = await server.listen(options.port ?? 0, host);
  const origin = (options.publicOrigin ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`).replace(
    /\/+$/,
    "",
  );
  const apiBase = `${origin}${API_PREFIX}`;

  let store: FakeStore;
  try {
    store = new FakeStore(origin, apiBase, options.eventTypes);
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
  const actions = new FakeActions(store, webhooks);
  const api: ApiContext = {
    actions,
    token: options.token,
    signingKey: options.webhookSigningKey,
    subscription: newSubscriptionState(),
    rateLimit: new RateLimiter(options.rateLimitPerMinute ?? 500),
  };
  const faults = new Faults();
  const requests: RequestLogEntry[] = [];
  server.attach({ actions, api, faults, requests });

  let closed: Promise<void> | undefined;

  return {
    url: origin,
    apiBase,
    port,
    userUri: store.owner.uri,
    organizationUri: store.organizationUri,
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
