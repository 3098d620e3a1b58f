// A running service for tests: the sandbox's fakes (started here, as any sandboxed set-up starts
// them, and handed to the service as URLs), a seeded database (PGlite in memory, or a
// fresh database on the real PostgreSQL), and a test site allowed on one origin.

import { type FakeCalendly, type FakeStripe, type Sandbox, startSandbox } from "@baw/sandbox";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.js";
import { sandboxEventTypes } from "../../src/cli/local-sandbox.js";
import { type Config, loadConfig } from "../../src/config.js";
import { type Database, openDatabase } from "../../src/db/database.js";
import { liamCalendly, type SiteSeed, seedDatabase } from "../../src/db/seed.js";
import type { DomainContext } from "../../src/domain/context.js";
import { domainContext } from "../../src/domain/context.js";
import { type CalendlyClientOptions, createCalendlyClient } from "../../src/providers/calendly.js";
import { assertLedger, settledLedger } from "./ledger.js";
import { migratedTemplate } from "./pglite-template.js";
import { type FreshDatabase, freshDatabase } from "./postgres.js";
import { recordPeopleOf, suiteLogStream } from "./suite-logs.js";

export const testSite = {
  name: "Test marketplace",
  publishableKey: "pk_test_marketplace",
  allowedOrigins: ["https://market.example"],
  returnUrlAllowlist: ["https://market.example/book"],
};

/** What a Prometheus scraper presents to /metrics (`Authorization: Bearer …`). */
export const testMetricsToken = "metrics-token-for-the-test-suite-0123456789";

export interface TestApp {
  app: FastifyInstance;
  url: string;
  db: Database;
  ctx: DomainContext;
  stripe: FakeStripe;
  calendly: FakeCalendly;
  config: Config;
  /** Headers a widget on the test site sends. */
  siteHeaders: Record<string, string>;
  /** Replaces the service's Calendly client (e.g. a shorter timeout); `undefined` restores the default. */
  useCalendlyClient(options?: Partial<CalendlyClientOptions>): void;
  close(): Promise<void>;
}

export interface TestAppOptions {
  database?: "pglite" | "postgres";
  env?: NodeJS.ProcessEnv;
  /**
   * Log capture, e.g. `{level: "info", stream}`. The service's own logger options (redaction,
   * serializers) are kept, so tests see what production would write.
   */
  logger?: { level?: string; stream: { write(line: string): void } };
  /** Extra embedding sites to seed. */
  sites?: SiteSeed[];
  /** Calendly client options for the service (timeouts, retries). */
  calendlyClient?: Partial<CalendlyClientOptions>;
  /**
   * A second service instance over the same Postgres database and the same provider fakes
   * (webhooks keep going to the first instance).
   */
  shareWith?: TestApp;
}

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  let fresh: FreshDatabase | undefined;
  const shared = options.shareWith;
  // As the service computes its hold, so the fake Stripe accepts the sessions' expiry.
  const hold = Number(options.env?.SANDBOX_HOLD_SECONDS ?? Number(options.env?.HOLD_MINUTES ?? 35) * 60);
  const sandbox: Sandbox | undefined = shared
    ? undefined
    : await startSandbox({ stripe: { holdSeconds: hold }, calendly: { eventTypes: sandboxEventTypes } });
  const env: NodeJS.ProcessEnv = {
    ...(sandbox
      ? sandbox.serviceEnv
      : {
          PROVIDER_MODE: "sandbox",
          STRIPE_API_BASE: shared!.stripe.url,
          CALENDLY_API_BASE: shared!.calendly.apiBase,
          CALENDLY_ORIGIN: shared!.calendly.url,
          ...(shared!.config.calendly.oauth
            ? {
                CALENDLY_AUTH_BASE: shared!.config.calendly.oauth.authBase,
                CALENDLY_OAUTH_CLIENT_ID: shared!.config.calendly.oauth.clientId,
                CALENDLY_OAUTH_CLIENT_SECRET: shared!.config.calendly.oauth.clientSecret,
              }
            : {}),
        }),
    METRICS_TOKEN: testMetricsToken,
    LOG_LEVEL: "silent",
    MAX_EVENT_LOOP_DELAY_MS: "0",
    // One test process holds several apps, each with its own in-memory PGlite: together they
    // outgrow limits meant for one production instance.
    MAX_HEAP_USED_BYTES: "0",
    MAX_RSS_BYTES: "0",
    CONFIG_CACHE_SECONDS: "0",
    ...options.env,
  };
  if (shared) {
    if (shared.config.database.kind !== "postgres") throw new Error("shareWith needs a Postgres test app");
    env.DATABASE_URL = shared.config.database.url;
  } else if (options.database === "postgres") {
    fresh = await freshDatabase();
    env.DATABASE_URL = fresh.url;
  } else {
    env.PGLITE_DIR = "memory://";
  }
  const config = loadConfig(env);
  const db = await openDatabase(
    config.database,
    config.database.kind === "pglite" ? { loadDataDir: await migratedTemplate() } : {},
  );
  await seedDatabase(db.prisma, { sites: [testSite, ...(options.sites ?? [])] });
  // Unless the test reads the log itself, it goes to the suite's log, scanned for personal data at the end.
  const logger = options.logger
    ? { level: options.logger.level ?? "info", stream: options.logger.stream }
    : { level: "debug", stream: suiteLogStream() };
  const app = await buildApp({
    config,
    db,
    logger,
    sweeper: false,
    ...(shared ? { providers: shared.app.providers } : {}),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const url = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : "";
  sandbox?.deliverTo(url);
  // The service's public base (OAuth redirect URI, webhook subscriptions) is where it listens.
  config.publicUrl ??= url;
  const stripe = sandbox?.stripe ?? shared!.stripe;
  const calendly = sandbox?.calendly ?? shared!.calendly;
  const defaultCalendlyClient = app.providers.calendly;
  const useCalendlyClient = (opts?: Partial<CalendlyClientOptions>) => {
    app.providers.calendly = opts
      ? createCalendlyClient({ apiBase: calendly.apiBase, token: config.calendly.token, ...opts })
      : defaultCalendlyClient;
  };
  if (options.calendlyClient && !shared) useCalendlyClient(options.calendlyClient);
  return {
    app,
    url,
    db,
    ctx: domainContext(app),
    stripe,
    calendly,
    config,
    siteHeaders: { "x-baw-site-key": testSite.publishableKey, origin: testSite.allowedOrigins[0]! },
    useCalendlyClient,
    close: async () => {
      // Money check over every booking this app made (a second instance shares the first's).
      const ledger = shared ? null : await settledLedger(db.prisma, stripe, calendly);
      // A keep-alive connection that a fake provider's HTTP client leaves open can count as busy
      // until Node's headersTimeout (60 s), and app.close() waits for it: once in-flight requests
      // have had a second to finish, drop what is left.
      const closing = app.close();
      const leftovers = setTimeout(() => app.server.closeAllConnections(), 1000);
      await closing;
      clearTimeout(leftovers);
      await sandbox?.close();
      await recordPeopleOf(db, shared ? undefined : calendly);
      await db.close();
      await fresh?.drop();
      assertLedger(ledger);
    },
  };
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 5000,
  what = "condition",
): Promise<NonNullable<T>> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---- booking flows shared by the tests ------------------------------------------------------

export interface Scheduled {
  eventUri: string;
  inviteeUri: string;
}

export interface BookingCreatedBody {
  bookingId: string;
  bookingToken: string;
  status: string;
  checkoutUrl: string | null;
  holdExpiresAt: string | null;
}

let visitorCounter = 0;

/** A visitor distinct from every other in this process (name and email). */
export function visitor(prefix = "Visitor"): { name: string; email: string } {
  visitorCounter++;
  return { name: `${prefix} Number${visitorCounter}`, email: `${prefix.toLowerCase()}.${visitorCounter}@example.com` };
}

/** POST /v1/booking-attempts for Liam from the test site; returns the attempt. */
export async function startAttempt(
  h: TestApp,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = h.siteHeaders,
): Promise<{ attemptId: string; calendlyUrl: string; expiresAt: string }> {
  const res = await h.app.inject({
    method: "POST",
    url: "/v1/booking-attempts",
    headers,
    payload: { builder: "liam", ...body },
  });
  if (res.statusCode !== 201) throw new Error(`attempt failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** The visitor picks a slot in (fake) Calendly, carrying `attemptId` as utm_content. */
export async function scheduleSlot(
  h: TestApp,
  attemptId: string | null,
  extra: { startTime?: string | Date; name?: string; email?: string; utmContent?: string } = {},
): Promise<Scheduled> {
  const who = visitor();
  return h.calendly.schedule({
    eventTypeUuid: liamCalendly.eventTypeUuid,
    name: extra.name ?? who.name,
    email: extra.email ?? who.email,
    ...(extra.startTime ? { startTime: extra.startTime } : {}),
    ...(attemptId !== null ? { utmContent: extra.utmContent ?? attemptId } : {}),
  });
}

/** POST /v1/bookings as the widget does after calendly.event_scheduled. */
export function reportBooking(
  h: TestApp,
  body: Record<string, unknown>,
  headers: Record<string, string> = h.siteHeaders,
) {
  return h.app.inject({ method: "POST", url: "/v1/bookings", headers, payload: body });
}

export function sessionIdOf(checkoutUrl: string | null): string {
  const id = checkoutUrl?.split("/").pop();
  if (!id?.startsWith("cs_")) throw new Error(`not a checkout URL: ${checkoutUrl}`);
  return id;
}

export interface PendingBooking {
  attemptId: string;
  scheduled: Scheduled;
  booking: BookingCreatedBody;
  sessionId: string;
}

/** attempt → scheduled → reported: a booking awaiting payment with an open Checkout Session. */
export async function pendingBooking(
  h: TestApp,
  extra: { startTime?: string | Date; name?: string; email?: string } = {},
): Promise<PendingBooking> {
  const { attemptId } = await startAttempt(h);
  const scheduled = await scheduleSlot(h, attemptId, extra);
  const res = await reportBooking(h, { attemptId, ...scheduled });
  if (res.statusCode !== 201 && res.statusCode !== 200)
    throw new Error(`booking failed: ${res.statusCode} ${res.body}`);
  const booking = res.json() as BookingCreatedBody;
  return { attemptId, scheduled, booking, sessionId: sessionIdOf(booking.checkoutUrl) };
}

export async function bookingStatus(h: TestApp, bookingId: string): Promise<string | undefined> {
  const b = await h.db.prisma.booking.findUnique({ where: { id: bookingId }, select: { status: true } });
  return b?.status;
}

/** Waits until the booking reaches `status` (through webhooks or side effects). */
export function waitForStatus(h: TestApp, bookingId: string, status: string, timeoutMs = 5000) {
  return waitFor(async () => (await bookingStatus(h, bookingId)) === status, timeoutMs, `booking ${status}`);
}

/** A paid booking: pending, paid on the hosted page, CONFIRMED by the webhook. */
export async function confirmedBooking(
  h: TestApp,
  extra: { startTime?: string | Date; name?: string; email?: string } = {},
): Promise<PendingBooking> {
  const pending = await pendingBooking(h, extra);
  await h.stripe.pay(pending.sessionId);
  await waitForStatus(h, pending.booking.bookingId, "CONFIRMED");
  return pending;
}

/** Calendly cancellations the service made through the API for one event. */
export function apiCancellations(h: TestApp, eventUri: string) {
  return h.calendly.cancellations.filter((c) => c.source === "api" && c.eventUri === eventUri);
}
