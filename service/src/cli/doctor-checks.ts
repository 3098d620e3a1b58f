// The checks behind `npm run doctor`: given a configuration, an open database and provider
// clients, they say what is wrong with a deployment and how to fix it. Nothing here writes to
// the database or to a provider; the CLI (doctor.ts) only wires it up and prints the result.
import type Stripe from "stripe";
import { type Config, developmentBookingTokenSecret } from "../config.js";
import type { Database } from "../db/database.js";
import { committedMigrations } from "../db/migrate.js";
import { PARTNER_SCOPES } from "../domain/partner-keys.js";
import { handledStripeEvents } from "../domain/webhooks/stripe-events.js";
import type { WebhookProvider } from "../generated/prisma/client.js";
import {
  type CalendlyClient,
  type CalendlyUser,
  type EventType,
  isCalendlyError,
  uuidFromUri,
  type WebhookSubscription,
} from "../providers/calendly.js";
import { STRIPE_API_VERSION } from "../providers/stripe.js";

export type CheckStatus = "pass" | "warn" | "fail" | "info";
export type Section = "Configuration" | "Database" | "Calendly" | "Stripe" | "Sites and partner keys" | "Service";
export const SECTIONS: readonly Section[] = [
  "Configuration",
  "Database",
  "Calendly",
  "Stripe",
  "Sites and partner keys",
  "Service",
];

export interface CheckResult {
  section: Section;
  status: CheckStatus;
  message: string;
  /** What to do about it; every failed or warning line carries one. */
  fix?: string;
}

/** The part of the Stripe client the doctor uses (the real `stripe` package satisfies it). */
export interface DoctorStripe {
  accounts: { retrieveCurrent(): Promise<Stripe.Account> };
  webhookEndpoints: {
    list(params?: Stripe.WebhookEndpointListParams): Promise<Stripe.ApiList<Stripe.WebhookEndpoint>>;
  };
}

export interface DoctorInput {
  config: Config;
  /** The service's database, opened without migrating. Absent when it could not be opened. */
  db?: Database;
  /** Why `db` is absent. */
  dbProblem?: { status: "fail" | "warn" | "info"; message: string; fix?: string };
  calendly: CalendlyClient;
  stripe: DoctorStripe;
  /** Base URL Stripe and Calendly deliver webhooks to. Default: PUBLIC_URL, or http://127.0.0.1:PORT in sandbox mode. */
  publicUrl?: string;
  /** Where the sandbox's fakes run, and which the doctor started itself (for the report only). */
  sandbox?: { stripeUrl?: string; calendlyUrl?: string; own?: { stripe: boolean; calendly: boolean } };
  /** Probes `<publicUrl>/ready`; null skips the probe. Default: the global fetch. */
  fetch?: typeof fetch | null;
  /** Checks REDIS_URL with a PING; null skips it. Default: ioredis. */
  pingRedis?: ((url: string) => Promise<void>) | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CALENDLY_EVENTS = ["invitee.created", "invitee.canceled"] as const;
const DOCS = "docs/CONFIGURATION.md";

class Report {
  readonly results: CheckResult[] = [];
  constructor(private section: Section) {}
  in(section: Section): this {
    this.section = section;
    return this;
  }
  pass(message: string): void {
    this.results.push({ section: this.section, status: "pass", message });
  }
  info(message: string): void {
    this.results.push({ section: this.section, status: "info", message });
  }
  warn(message: string, fix: string): void {
    this.results.push({ section: this.section, status: "warn", message, fix });
  }
  fail(message: string, fix: string): void {
    this.results.push({ section: this.section, status: "fail", message, fix });
  }
}

/** `scheme://host[:port]` with the path kept, no trailing slash, no query: how URLs are compared. */
export function normalizeUrl(raw: string): string {
  try {
    const u = new URL(raw.trim());
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return raw.trim().replace(/\/+$/, "");
  }
}

function errorText(error: unknown): string {
  if (isCalendlyError(error)) return `${error.status ?? "no answer"} ${error.title}: ${error.message}`;
  const e = error as { statusCode?: number; type?: string; message?: string } | undefined;
  if (e?.statusCode) return `${e.statusCode} ${e.message ?? ""}`.trim();
  return error instanceof Error ? error.message : String(error);
}

function isLocalHost(hostname: string): boolean {
  return (
    hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]" || hostname.endsWith(".localhost")
  );
}

function describeDatabase(config: Config): string {
  if (config.database.kind === "pglite") return `PGlite at ${config.database.dir}`;
  try {
    const u = new URL(config.database.url);
    return `PostgreSQL at ${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "PostgreSQL";
  }
}

/** The base URL webhooks are delivered to, or undefined when it is unknown. */
export function webhookBase(config: Config, publicUrl?: string): string | undefined {
  const base = publicUrl ?? config.publicUrl;
  if (base) return base.replace(/\/+$/, "");
  if (config.stripe.sandbox && config.calendly.sandbox) return `http://127.0.0.1:${config.port}`;
  return undefined;
}

/** "the doctor's own fake at …" or "the fake at …". */
function sandboxFake(own: boolean | undefined, url: string | undefined): string {
  return `${own ? "the doctor's own fake" : "the fake"}${url ? ` at ${url}` : ""}`;
}

function dbNotReady(input: DoctorInput): string {
  return input.db ? "the database is not migrated" : "the database was not opened";
}

// ---- configuration --------------------------------------------------------------------------

function configurationChecks(r: Report, input: DoctorInput, base: string | undefined): void {
  const { config } = input;
  r.in("Configuration");
  const anySandbox = config.stripe.sandbox || config.calendly.sandbox;
  const anyLive = !config.stripe.sandbox || !config.calendly.sandbox;
  r.pass(
    `environment variables are well-formed (NODE_ENV=${config.env}, database: ${config.database.kind}, ` +
      `Stripe: ${config.stripe.sandbox ? "sandbox" : "live credentials"}, Calendly: ${config.calendly.sandbox ? "sandbox" : "live credentials"})`,
  );
  if (config.stripe.sandbox && config.calendly.sandbox) {
    r.info(
      "sandbox mode: no Stripe or Calendly credentials are set, so the sandbox's fakes stand in for both; " +
        "no real bookings are made and no money moves",
    );
  } else if (anySandbox) {
    const simulated = config.stripe.sandbox ? "Stripe" : "Calendly";
    r.info(`partly sandbox mode: ${simulated} is simulated by the sandbox's fake, the other provider is real`);
  }
  if (config.env === "production" && anySandbox) {
    const missing = [
      ...(config.stripe.sandbox ? ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"] : []),
      ...(config.calendly.sandbox ? ["CALENDLY_TOKEN", "CALENDLY_WEBHOOK_SIGNING_KEY"] : []),
    ];
    r.fail(
      `NODE_ENV=production but ${config.stripe.sandbox && config.calendly.sandbox ? "both providers run" : `${config.stripe.sandbox ? "Stripe" : "Calendly"} runs`} in sandbox mode`,
      `set ${missing.join(", ")} (see ${DOCS})`,
    );
  }
  if (!config.publicUrl) {
    if (anyLive) {
      r.fail(
        "PUBLIC_URL is not set, so the webhook endpoints Stripe and Calendly must call cannot be checked",
        "set PUBLIC_URL to the service's public base URL, e.g. https://booking.example.com",
      );
    } else {
      r.info(`PUBLIC_URL is not set; webhooks are expected at ${base} (the sandbox fakes call the service there)`);
    }
  } else {
    const u = new URL(config.publicUrl);
    if (u.search || u.hash) {
      r.fail(`PUBLIC_URL ${config.publicUrl} has a query or fragment`, "set PUBLIC_URL to a base URL without ? or #");
    } else if (u.protocol !== "https:" && !isLocalHost(u.hostname)) {
      const message = `PUBLIC_URL ${config.publicUrl} is not https`;
      const fix = "serve the service over https (Stripe and Calendly deliver live webhooks to https URLs only)";
      if (config.env === "production" || anyLive) r.fail(message, fix);
      else r.warn(message, fix);
    } else {
      r.pass(`PUBLIC_URL is ${config.publicUrl}; webhooks go to ${base}/webhooks/stripe and ${base}/webhooks/calendly`);
    }
  }
  if (!config.calendly.sandbox) {
    if (!config.calendly.liamEventUrl) {
      r.fail(
        "CALENDLY_EVENT_URL is not set: Liam keeps the sandbox's Calendly identity, so every real booking would fail verification",
        "set CALENDLY_EVENT_URL to Liam's event page, e.g. https://calendly.com/<user>/<event>",
      );
    } else if (new URL(config.calendly.liamEventUrl).origin !== config.calendly.origin) {
      r.fail(
        `CALENDLY_EVENT_URL ${config.calendly.liamEventUrl} is not on CALENDLY_ORIGIN ${config.calendly.origin}: ` +
          "the widget would ignore the page's messages and never leave its loading state",
        "use an event URL on https://calendly.com, or set CALENDLY_ORIGIN to the origin the event pages are served from",
      );
    }
  }
  if (anyLive && config.bookingTokenSecret === developmentBookingTokenSecret) {
    r.fail(
      "BOOKING_TOKEN_SECRET is not set: booking tokens are signed with the public development secret",
      "set BOOKING_TOKEN_SECRET to 32+ random characters, e.g. `openssl rand -base64 48`",
    );
  } else if (config.env === "production") {
    r.pass("BOOKING_TOKEN_SECRET is set");
  }
  if (config.env === "production") {
    if (!config.trustProxy) {
      r.warn(
        "TRUST_PROXY is off: behind a load balancer every client shares the balancer's IP for rate limits",
        "set TRUST_PROXY=true when the service runs behind a reverse proxy or load balancer",
      );
    }
    if (!config.redisUrl) {
      r.warn(
        "REDIS_URL is not set: rate limits are counted per instance",
        "set REDIS_URL=redis://… so that several instances share one limit",
      );
    }
  }
}

async function redisCheck(r: Report, input: DoctorInput): Promise<void> {
  const url = input.config.redisUrl;
  if (!url || input.pingRedis === null) return;
  const ping = input.pingRedis ?? defaultPingRedis;
  try {
    await ping(url);
    r.in("Configuration").pass("REDIS_URL answers PING (rate limits are shared between instances)");
  } catch (error) {
    r.in("Configuration").fail(
      `REDIS_URL does not answer (${errorText(error)}): the service would fall back to allowing every request`,
      "check the Redis host, port, password and TLS (rediss://), and that this host may reach it",
    );
  }
}

async function defaultPingRedis(url: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { connectTimeout: 2000, maxRetriesPerRequest: 0, lazyConnect: true });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

// ---- database -----------------------------------------------------------------------------

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** Returns true when the database is reachable and fully migrated. */
async function databaseChecks(r: Report, input: DoctorInput): Promise<boolean> {
  r.in("Database");
  const { db, config } = input;
  const where = describeDatabase(config);
  if (!db) {
    const p = input.dbProblem ?? { status: "fail" as const, message: `${where} was not opened` };
    if (p.status === "info") r.info(p.message);
    else r[p.status](p.message, p.fix ?? "check DATABASE_URL (or PGLITE_DIR)");
    return false;
  }
  try {
    await db.sql.query("SELECT 1");
    r.pass(`${where} is reachable`);
  } catch (error) {
    r.fail(
      `${where} is not reachable: ${errorText(error)}`,
      config.database.kind === "postgres"
        ? "check DATABASE_URL (host, port, user, password, database name) and that this host may connect"
        : "check PGLITE_DIR, and stop any other process that uses the same PGlite directory",
    );
    return false;
  }
  try {
    const committed = await committedMigrations();
    const present = await db.sql.query<{ present: boolean }>(
      `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
    );
    const rows = present.rows[0]?.present
      ? (
          await db.sql.query<MigrationRow>(
            `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
          )
        ).rows
      : [];
    const live = rows.filter((row) => row.rolled_back_at === null);
    const failed = live.filter((row) => row.finished_at === null);
    const applied = new Map(live.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]));
    const known = new Set(committed.map((m) => m.name));
    const unknown = [...applied.keys()].filter((name) => !known.has(name));
    const changed = committed.filter((m) => applied.has(m.name) && applied.get(m.name)!.checksum !== m.checksum);
    const pending = committed.filter((m) => !applied.has(m.name)).map((m) => m.name);
    let ok = true;
    if (failed.length > 0) {
      ok = false;
      r.fail(
        `migration ${failed.map((f) => f.migration_name).join(", ")} failed earlier and blocks further migrations`,
        "inspect _prisma_migrations.logs, repair the schema, then mark it with `prisma migrate resolve --rolled-back <name>` (or --applied)",
      );
    }
    if (unknown.length > 0) {
      r.warn(
        `the database has migrations this code does not know (${unknown.join(", ")}): it was migrated by a newer release`,
        "deploy the release that matches the database, or check DATABASE_URL points at the right database",
      );
    }
    if (changed.length > 0) {
      ok = false;
      r.fail(
        `migration ${changed.map((m) => m.name).join(", ")} was edited after it was applied (checksum differs)`,
        "restore the committed migration file; never edit an applied migration, add a new one instead",
      );
    }
    if (pending.length > 0) {
      ok = false;
      r.fail(
        `${pending.length} migration(s) not applied: ${pending.join(", ")}`,
        "run `npm run db:migrate -w service` (or `prisma migrate deploy` with the classic engine); the service also migrates at start-up",
      );
    } else if (failed.length === 0 && changed.length === 0) {
      r.pass(`all ${committed.length} committed migration(s) are applied`);
    }
    return ok;
  } catch (error) {
    r.fail(`could not read the migration history: ${errorText(error)}`, "check the database user's privileges");
    return false;
  }
}

/** Deliveries logged in the last 24 h: do signatures verify, does processing succeed? */
async function deliveryChecks(
  r: Report,
  db: Database,
  provider: WebhookProvider,
  secretVar: string,
  toleranceSeconds: number,
): Promise<void> {
  const since = new Date(Date.now() - DAY_MS);
  const prisma = db.prisma;
  const [latest, invalid, stale, failedEvents] = await Promise.all([
    prisma.webhookDelivery.findFirst({
      where: { provider, receivedAt: { gte: since } },
      orderBy: { receivedAt: "desc" },
      select: { signature: true, receivedAt: true },
    }),
    prisma.webhookDelivery.count({
      where: { provider, receivedAt: { gte: since }, signature: { in: ["INVALID", "MISSING"] } },
    }),
    prisma.webhookDelivery.count({ where: { provider, receivedAt: { gte: since }, signature: "STALE" } }),
    prisma.webhookEvent.count({ where: { provider, status: "FAILED" } }),
  ]);
  const name = provider === "STRIPE" ? "Stripe" : "Calendly";
  if (!latest) {
    r.info(`no ${name} webhook deliveries in the last 24 h`);
  } else if (latest.signature === "INVALID" || latest.signature === "MISSING") {
    r.fail(
      `the latest ${name} webhook delivery (${latest.receivedAt.toISOString()}) failed its signature check; ${invalid} did in the last 24 h`,
      `${secretVar} must be the signing secret of the endpoint that delivers to this service; ` +
        "also make sure no proxy rewrites the request body",
    );
  } else if (invalid > 0) {
    r.warn(
      `${invalid} ${name} webhook deliveries failed their signature check in the last 24 h (the latest one verified)`,
      `look for deliveries from another endpoint or an old ${secretVar}`,
    );
  } else {
    r.pass(`${name} webhook deliveries in the last 24 h verify (latest ${latest.receivedAt.toISOString()})`);
  }
  if (stale > 0) {
    r.warn(
      `${stale} ${name} webhook deliveries in the last 24 h were outside the ${toleranceSeconds} s signature tolerance`,
      "synchronise this host's clock (NTP); a long queue in front of the service also delays deliveries",
    );
  }
  if (failedEvents > 0) {
    r.warn(
      `${failedEvents} ${name} event(s) failed processing and await the provider's retry ` +
        `(${provider === "STRIPE" ? "Stripe retries for 3 days" : "Calendly retries for 24 h, then disables the subscription"})`,
      'read WebhookEvent.lastError and the "webhook processing failed" log lines',
    );
  }
}

// ---- Calendly -----------------------------------------------------------------------------

async function allEventTypes(calendly: CalendlyClient, user: string): Promise<EventType[]> {
  const out: EventType[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 20; page++) {
    const res = await calendly.listEventTypes({ user, count: 100, ...(pageToken ? { pageToken } : {}) });
    out.push(...res.collection);
    if (!res.pagination.next_page_token) break;
    pageToken = res.pagination.next_page_token;
  }
  return out;
}

async function subscriptions(
  calendly: CalendlyClient,
  me: CalendlyUser,
): Promise<{ found: WebhookSubscription[]; errors: string[] }> {
  const found: WebhookSubscription[] = [];
  const errors: string[] = [];
  for (const scope of ["organization", "user"] as const) {
    try {
      let pageToken: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await calendly.listWebhookSubscriptions({
          organization: me.current_organization,
          scope,
          ...(scope === "user" ? { user: me.uri } : {}),
          count: 100,
          ...(pageToken ? { pageToken } : {}),
        });
        found.push(...res.collection);
        if (!res.pagination.next_page_token) break;
        pageToken = res.pagination.next_page_token;
      }
    } catch (error) {
      errors.push(`${scope} scope: ${errorText(error)}`);
    }
  }
  return { found, errors };
}

async function calendlyChecks(
  r: Report,
  input: DoctorInput,
  base: string | undefined,
  dbReady: boolean,
): Promise<void> {
  r.in("Calendly");
  const { config, calendly } = input;
  const sandbox = config.calendly.sandbox;
  const where = sandbox
    ? `sandbox Calendly (${sandboxFake(input.sandbox?.own?.calendly, input.sandbox?.calendlyUrl)})`
    : `Calendly API at ${calendly.apiBase}`;
  let me: CalendlyUser;
  try {
    me = await calendly.getCurrentUser();
    r.pass(`${where} accepts the token: user ${me.name} (${me.scheduling_url})`);
  } catch (error) {
    const unauthorized = isCalendlyError(error) && error.kind === "unauthorized";
    r.fail(
      unauthorized
        ? `${where} rejects CALENDLY_TOKEN (${errorText(error)})`
        : `${where} cannot be reached (${errorText(error)})`,
      unauthorized
        ? "create a new personal access token (Calendly → Integrations → API and webhooks) or refresh the OAuth token, and set CALENDLY_TOKEN"
        : "check CALENDLY_API_BASE and this host's outbound network access to api.calendly.com",
    );
    return;
  }

  // Each bookable builder's event page must be an event type of the token's user: the
  // service verifies bookings with this one token.
  let types: EventType[] | undefined;
  try {
    types = await allEventTypes(calendly, me.uri);
  } catch (error) {
    r.fail(`cannot list ${me.name}'s event types (${errorText(error)})`, "check the token's permissions");
  }
  if (types) {
    const targets: { name: string; url: string; storedTypeUri: string | null; stored: boolean }[] = [];
    if (dbReady && input.db) {
      const builders = await input.db.prisma.builder.findMany({
        where: { isDemo: false, bookingEnabled: true },
        orderBy: { slug: "asc" },
      });
      for (const b of builders) {
        const fromEnv = b.slug === "liam" ? config.calendly.liamEventUrl : undefined;
        const url = fromEnv ?? b.calendlyEventUrl;
        if (!url) {
          r.warn(
            `builder ${b.name} (${b.slug}) has no Calendly event URL and shows as unavailable`,
            b.slug === "liam" ? "set CALENDLY_EVENT_URL" : "set Builder.calendlyEventUrl for this builder",
          );
          continue;
        }
        const stored = !fromEnv || fromEnv === b.calendlyEventUrl;
        targets.push({
          name: `${b.name} (${b.slug})`,
          url,
          storedTypeUri: stored ? b.calendlyEventTypeUri : null,
          stored,
        });
      }
    } else if (config.calendly.liamEventUrl) {
      targets.push({
        name: "Liam (CALENDLY_EVENT_URL)",
        url: config.calendly.liamEventUrl,
        storedTypeUri: null,
        stored: false,
      });
    } else {
      r.info(`builder event URLs not checked: ${dbNotReady(input)}`);
    }
    // The sandbox serves every event page on the fake's origin, so only the path identifies it.
    const key = (url: string) => (sandbox ? new URL(normalizeUrl(url)).pathname : normalizeUrl(url).toLowerCase());
    for (const t of targets) {
      const match = types.find((et) => key(et.scheduling_url) === key(t.url));
      if (!match) {
        const own = types
          .filter((et) => et.active)
          .slice(0, 3)
          .map((et) => et.scheduling_url);
        r.fail(
          `${t.name}: event URL ${t.url} is not an event type of ${me.name}, the owner of CALENDLY_TOKEN`,
          `use the event URL of one of ${me.name}'s event types${own.length ? ` (${own.join(", ")})` : ""}, ` +
            "or a token of the user who owns the event; several builders on separate Calendly accounts need an OAuth app",
        );
      } else if (!match.active) {
        r.fail(`${t.name}: event type "${match.name}" is turned off in Calendly`, "turn the event type on in Calendly");
      } else if (t.storedTypeUri && uuidFromUri(t.storedTypeUri) !== uuidFromUri(match.uri)) {
        r.fail(
          `${t.name}: the stored event type ${t.storedTypeUri} is not the one at ${t.url} (${match.uri}); bookings would fail verification`,
          "clear Builder.calendlyEventTypeUri and calendlyUserUri for this builder; the service looks them up again",
        );
      } else {
        r.pass(`${t.name}: ${t.url} is ${me.name}'s event type "${match.name}"`);
      }
    }
  }

  // The webhook subscription.
  if (!base) {
    r.info("webhook subscription not checked: PUBLIC_URL is not set");
    return;
  }
  const expected = `${base}/webhooks/calendly`;
  const { found, errors } = await subscriptions(calendly, me);
  if (errors.length === 2) {
    r.fail(
      `cannot list webhook subscriptions (${errors.join("; ")})`,
      "organization-scope subscriptions can only be listed by an organization admin's token",
    );
    return;
  }
  const matching = found.filter((s) => normalizeUrl(s.callback_url) === normalizeUrl(expected));
  if (matching.length === 0) {
    const others = found.map((s) => s.callback_url);
    r.fail(
      others.length
        ? `no Calendly webhook subscription points at ${expected}; the ones found point at ${others.join(", ")}`
        : `no Calendly webhook subscription points at ${expected}`,
      `create one with url=${expected}, events invitee.created and invitee.canceled and signing_key=CALENDLY_WEBHOOK_SIGNING_KEY (see ${DOCS})`,
    );
    return;
  }
  const sub = matching.find((s) => s.state === "active") ?? matching[0]!;
  const auto = sandbox ? " (the sandbox subscribes the service automatically)" : "";
  if (sub.state !== "active") {
    r.fail(
      `the webhook subscription to ${expected} is ${sub.state}; Calendly disables a subscription after 24 h of failed deliveries`,
      "make the endpoint reachable, then delete the subscription (DELETE /webhook_subscriptions/{uuid}) and create it again",
    );
  } else {
    const missing = CALENDLY_EVENTS.filter((e) => !sub.events.includes(e));
    if (missing.length > 0) {
      r.fail(
        `the webhook subscription to ${expected} lacks ${missing.join(", ")}`,
        `subscriptions cannot be edited: create a new one with both events, then delete ${sub.uri}`,
      );
    } else {
      r.pass(`webhook subscription (${sub.scope} scope) is active for ${sub.events.join(", ")} → ${expected}${auto}`);
    }
  }
  if (sub.has_signing_key === true) {
    r.pass("the webhook subscription is signed");
  } else if (sub.has_signing_key === false) {
    r.fail(
      "the webhook subscription has no signing key: the service rejects its unsigned deliveries",
      "create the subscription again with signing_key set to CALENDLY_WEBHOOK_SIGNING_KEY, then delete the old one",
    );
  } else {
    const created = new Date(sub.created_at);
    const lastValid =
      dbReady && input.db
        ? await input.db.prisma.webhookDelivery.findFirst({
            where: { provider: "CALENDLY", signature: "VALID", receivedAt: { gte: created } },
            orderBy: { receivedAt: "desc" },
            select: { receivedAt: true },
          })
        : null;
    if (lastValid) {
      r.pass(
        `the webhook subscription is signed with CALENDLY_WEBHOOK_SIGNING_KEY: a delivery verified at ${lastValid.receivedAt.toISOString()}`,
      );
    } else {
      r.warn(
        "Calendly does not reveal whether a subscription has a signing key, and no delivery has been verified since it was created",
        "book and cancel a test slot, then run the doctor again; if the deliveries fail their signature check, " +
          "create the subscription again with signing_key=CALENDLY_WEBHOOK_SIGNING_KEY",
      );
    }
  }
  if (matching.length > 1) {
    r.warn(
      `${matching.length} subscriptions point at ${expected}; each event arrives several times`,
      "delete the extra subscriptions (deliveries are deduplicated, but each one costs a request)",
    );
  }
  if (dbReady && input.db) await deliveryChecks(r, input.db, "CALENDLY", "CALENDLY_WEBHOOK_SIGNING_KEY", 180);
}

// ---- Stripe -------------------------------------------------------------------------------

async function allEndpoints(stripe: DoctorStripe): Promise<Stripe.WebhookEndpoint[]> {
  const out: Stripe.WebhookEndpoint[] = [];
  let startingAfter: string | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await stripe.webhookEndpoints.list({
      limit: 100,
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    });
    out.push(...res.data);
    if (!res.has_more || res.data.length === 0) break;
    startingAfter = res.data.at(-1)!.id;
  }
  return out;
}

async function stripeChecks(r: Report, input: DoctorInput, base: string | undefined, dbReady: boolean): Promise<void> {
  r.in("Stripe");
  const { config, stripe } = input;
  const sandbox = config.stripe.sandbox;
  const key = config.stripe.secretKey;
  const live = /^(sk|rk)_live_/.test(key);
  const mode = live ? "live" : "test";
  const where = sandbox
    ? `sandbox Stripe (${sandboxFake(input.sandbox?.own?.stripe, input.sandbox?.stripeUrl)})`
    : "Stripe";

  if (live && config.calendly.sandbox) {
    r.fail(
      "STRIPE_SECRET_KEY is a live key while Calendly runs in sandbox mode: real money for simulated bookings",
      "set CALENDLY_TOKEN and CALENDLY_WEBHOOK_SIGNING_KEY, or use an sk_test_ key",
    );
  } else if (live && config.env !== "production") {
    r.warn(
      `STRIPE_SECRET_KEY is a live key but NODE_ENV=${config.env}`,
      "use sk_test_ keys outside production, or set NODE_ENV=production",
    );
  } else if (!live && !sandbox && config.env === "production") {
    r.warn(
      "STRIPE_SECRET_KEY is a test-mode key in production: customers cannot really pay",
      "switch to the live secret key and the live endpoint's signing secret when you go live",
    );
  }
  if (key.startsWith("rk_")) {
    r.info("STRIPE_SECRET_KEY is a restricted key; it needs write access to Checkout Sessions and Refunds");
  }

  try {
    const account = await stripe.accounts.retrieveCurrent();
    const label = account.settings?.dashboard?.display_name ?? account.business_profile?.name ?? null;
    r.pass(`${where} accepts the ${mode}-mode key: account ${account.id}${label ? ` (${label})` : ""}`);
    if (live && account.charges_enabled === false) {
      r.fail(
        `Stripe account ${account.id} cannot take live charges yet`,
        "finish activating the account in the Stripe Dashboard",
      );
    }
  } catch (error) {
    const e = error as { type?: string; statusCode?: number };
    if (e.type === "StripeAuthenticationError" || e.statusCode === 401) {
      r.fail(
        `${where} rejects STRIPE_SECRET_KEY (${errorText(error)})`,
        "copy the secret key again from Stripe Dashboard → Developers → API keys",
      );
      return;
    }
    if (e.type === "StripePermissionError" || e.statusCode === 403) {
      r.warn(
        `the restricted key may not read the account (${errorText(error)})`,
        "allow read access to Account (or accept this warning)",
      );
    } else {
      r.fail(
        `${where} cannot be reached (${errorText(error)})`,
        "check this host's outbound network access to api.stripe.com",
      );
      return;
    }
  }

  if (!base) {
    r.info("webhook endpoint not checked: PUBLIC_URL is not set");
    return;
  }
  const expected = `${base}/webhooks/stripe`;
  let endpoints: Stripe.WebhookEndpoint[];
  try {
    endpoints = await allEndpoints(stripe);
  } catch (error) {
    r.warn(
      `cannot list webhook endpoints (${errorText(error)})`,
      `check in the Dashboard that ${expected} receives ${handledStripeEvents.join(", ")}`,
    );
    return;
  }
  const matching = endpoints.filter((ep) => normalizeUrl(ep.url) === normalizeUrl(expected));
  if (matching.length === 0) {
    const others = endpoints.map((ep) => ep.url);
    r.fail(
      others.length
        ? `no ${mode}-mode Stripe webhook endpoint for ${expected}; the ones found are ${others.join(", ")}`
        : `no ${mode}-mode Stripe webhook endpoint for ${expected}`,
      `add it in Dashboard → Developers → Webhooks with events ${handledStripeEvents.join(", ")}, ` +
        `and set STRIPE_WEBHOOK_SECRET to its signing secret (see ${DOCS})`,
    );
    return;
  }
  const ep = matching.find((e) => e.status === "enabled") ?? matching[0]!;
  if (ep.livemode !== live) {
    r.fail(
      `mode mismatch: STRIPE_SECRET_KEY is a ${mode}-mode key but Stripe answered with ${ep.livemode ? "live" : "test"}-mode data`,
      "take STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET from the same mode of the same Stripe account",
    );
  }
  if (ep.status !== "enabled") {
    r.fail(
      `the webhook endpoint ${ep.id} for ${expected} is ${ep.status}`,
      "enable it in Dashboard → Developers → Webhooks",
    );
  }
  const enabled = new Set(ep.enabled_events);
  const missing = enabled.has("*") ? [] : handledStripeEvents.filter((e) => !enabled.has(e));
  if (missing.length > 0) {
    r.fail(
      `the webhook endpoint ${ep.id} for ${expected} does not send ${missing.join(", ")}`,
      `add ${missing.join(", ")} to the endpoint's events (Dashboard → Webhooks → the endpoint → Update details)`,
    );
  } else if (ep.status === "enabled") {
    r.pass(
      `webhook endpoint ${ep.id} sends ${enabled.has("*") ? "all events" : handledStripeEvents.join(", ")} → ${expected}` +
        (sandbox ? " (the sandbox registers the service automatically)" : ""),
    );
  }
  if (ep.api_version && ep.api_version !== STRIPE_API_VERSION) {
    r.warn(
      `the webhook endpoint sends events in API version ${ep.api_version}; the service is written against ${STRIPE_API_VERSION}`,
      `create the endpoint again with api_version=${STRIPE_API_VERSION}`,
    );
  }
  if (matching.length > 1) {
    r.warn(
      `${matching.length} webhook endpoints point at ${expected}; each signs with its own secret and only one can match STRIPE_WEBHOOK_SECRET`,
      "delete the extra endpoints",
    );
  }
  if (!sandbox) {
    r.info(
      "Stripe never reveals an endpoint's signing secret; the delivery log below shows whether STRIPE_WEBHOOK_SECRET matches",
    );
  }
  if (dbReady && input.db) await deliveryChecks(r, input.db, "STRIPE", "STRIPE_WEBHOOK_SECRET", 300);
}

// ---- sites and partner keys ---------------------------------------------------------------

/** The origin a browser would send for `raw`, when `raw` is a bare origin at all. */
function bareOrigin(raw: string): URL | undefined {
  if (!/^https?:\/\/[^/?#@\s]+$/i.test(raw)) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

async function siteChecks(r: Report, input: DoctorInput, dbReady: boolean): Promise<void> {
  r.in("Sites and partner keys");
  if (!dbReady || !input.db) {
    r.info(`sites and partner keys not checked: ${dbNotReady(input)}`);
    return;
  }
  const production = input.config.env === "production";
  const sites = await input.db.prisma.site.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  if (sites.length === 0) {
    r.warn(
      "no embedding sites: no page can use the widget",
      "npm run admin -- sites create --name NAME --origin https://your.site --return-url https://your.site/booking",
    );
  }
  for (const site of sites) {
    const label = `site "${site.name}" (${site.publishableKey})`;
    const update = `npm run admin -- sites update ${site.publishableKey}`;
    const before = r.results.length;
    if (site.allowedOrigins.length === 0) {
      r.fail(`${label} has no allowed origins: browsers cannot use it`, `${update} --origin https://your.site`);
    }
    const origins: string[] = [];
    for (const origin of site.allowedOrigins) {
      const u = bareOrigin(origin);
      if (!u) {
        r.fail(
          `${label}: origin "${origin}" is not a bare scheme://host[:port] (browsers send no path, so it never matches)`,
          `${update} --origin <origin> (repeat for each; the list replaces the old one)`,
        );
        continue;
      }
      if (u.origin !== origin) {
        r.fail(
          `${label}: origin "${origin}" never equals the Origin header browsers send (${u.origin})`,
          `${update} --origin ${u.origin} (repeat for each; the list replaces the old one)`,
        );
      }
      origins.push(u.origin);
      if (production && u.protocol !== "https:" && !isLocalHost(u.hostname)) {
        r.fail(`${label}: origin ${origin} is not https`, `${update} --origin https://${u.host}`);
      }
    }
    if (site.returnUrlAllowlist.length === 0) {
      r.fail(
        `${label} has no return URLs: every booking attempt fails with 400 returnUrl`,
        `${update} --return-url https://your.site/booking`,
      );
    }
    for (const raw of site.returnUrlAllowlist) {
      let u: URL | undefined;
      try {
        u = new URL(raw);
      } catch {
        u = undefined;
      }
      if (!u || (u.protocol !== "https:" && u.protocol !== "http:")) {
        r.fail(`${label}: return URL "${raw}" is not an http(s) URL`, `${update} --return-url <url>`);
      } else if (!origins.includes(u.origin)) {
        r.fail(
          `${label}: return URL ${raw} is not on one of the site's origins (${site.allowedOrigins.join(", ") || "none"})`,
          `${update} --return-url <a page on ${origins[0] ?? "the site's origin"}>`,
        );
      } else if (production && u.protocol !== "https:" && !isLocalHost(u.hostname)) {
        r.fail(`${label}: return URL ${raw} is not https`, `${update} --return-url https://${u.host}${u.pathname}`);
      }
    }
    if (site.requireCustomerToken && !site.customerTokenSecret && !site.customerTokenJwksUrl) {
      r.fail(
        `${label} requires customer tokens but has no secret or JWKS URL to verify them`,
        `${update} --customer-token-secret <32+ characters> (or --jwks-url https://…)`,
      );
    }
    if (r.results.length === before) {
      r.pass(
        `${label}: ${site.allowedOrigins.length} origin(s), ${site.returnUrlAllowlist.length} return URL(s)` +
          (site.requireCustomerToken ? ", customer token required" : ""),
      );
    }
  }

  const keys = await input.db.prisma.partnerKey.findMany({
    where: { revokedAt: null },
    orderBy: { createdAt: "asc" },
    omit: { secretHash: true },
  });
  for (const key of keys) {
    const label = `partner key ${key.prefix} ("${key.name}")`;
    const unknown = key.scopes.filter((s) => !(PARTNER_SCOPES as readonly string[]).includes(s));
    const before = r.results.length;
    if (unknown.length > 0) {
      r.warn(`${label} has unknown scopes ${unknown.join(", ")}`, `scopes are ${PARTNER_SCOPES.join(", ")}`);
    }
    if (key.scopes.includes("bookings:write") && key.returnUrlAllowlist.length === 0) {
      r.fail(
        `${label} may write bookings but has no return URLs: every booking attempt fails with 400 returnUrl`,
        `create a new key with --return-url, then: npm run admin -- partner-keys revoke ${key.prefix}`,
      );
    }
    for (const raw of key.returnUrlAllowlist) {
      let ok = false;
      try {
        const u = new URL(raw);
        ok = (u.protocol === "https:" || (!production && u.protocol === "http:")) && !u.username && !u.password;
      } catch {
        ok = false;
      }
      if (!ok) {
        r.fail(
          `${label}: return URL "${raw}" is not ${production ? "an https" : "an http(s)"} URL`,
          "create a new key with valid --return-url values and revoke this one",
        );
      }
    }
    if (r.results.length === before) r.pass(`${label}: scopes ${key.scopes.join(", ")}`);
  }
}

// ---- the running service ------------------------------------------------------------------

async function serviceCheck(r: Report, input: DoctorInput, base: string | undefined): Promise<void> {
  r.in("Service");
  const doFetch = input.fetch === undefined ? globalThis.fetch : input.fetch;
  if (!doFetch || !base) return;
  const url = `${base}/ready`;
  let res: Response;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(3000), headers: { accept: "application/json" } });
  } catch (error) {
    r.warn(
      `no service answers at ${url} (${errorText(error)})`,
      "start the service, or check PUBLIC_URL and the load balancer: Stripe and Calendly must reach " +
        `${base}/webhooks/stripe and ${base}/webhooks/calendly`,
    );
    return;
  }
  let body: { status?: string; database?: string; pendingMigrations?: string[]; sandbox?: boolean } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = {};
  }
  if (res.status === 200 && body.status === "ready") {
    r.pass(`the service at ${base} is ready${body.sandbox ? " (in sandbox mode)" : ""}`);
  } else if (res.status === 503 && body.status === "not_ready") {
    r.fail(
      `the service at ${base} is not ready: database ${body.database ?? "?"}, pending migrations ${body.pendingMigrations?.join(", ") || "none"}`,
      "see the Database lines above and the service's logs",
    );
    return;
  } else {
    r.warn(
      `${url} answered ${res.status} without a readiness report: PUBLIC_URL may point at something else`,
      "set PUBLIC_URL to the base URL the service itself answers on",
    );
    return;
  }
  const expectSandbox = input.config.stripe.sandbox || input.config.calendly.sandbox;
  if (typeof body.sandbox === "boolean" && body.sandbox !== expectSandbox) {
    r.fail(
      `the service at ${base} runs ${body.sandbox ? "in sandbox mode" : "with live providers"}, but this environment ${expectSandbox ? "has no provider credentials" : "has live credentials"}`,
      "run the doctor with the service's own environment (the same env file or secrets)",
    );
  }
}

// ---- all together -------------------------------------------------------------------------

export async function runDoctor(input: DoctorInput): Promise<CheckResult[]> {
  const r = new Report("Configuration");
  const base = webhookBase(input.config, input.publicUrl);
  configurationChecks(r, input, base);
  await redisCheck(r, input);
  const dbReady = await databaseChecks(r, input);
  if (input.db && !dbReady) {
    r.in("Database").info("builder, site and delivery checks need a migrated database; they are skipped");
  }
  const guarded = async (section: Section, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      r.in(section).fail(
        `the ${section} checks stopped: ${errorText(error)}`,
        "fix the problem above and run the doctor again",
      );
    }
  };
  await guarded("Calendly", () => calendlyChecks(r, input, base, dbReady));
  await guarded("Stripe", () => stripeChecks(r, input, base, dbReady));
  await guarded("Sites and partner keys", () => siteChecks(r, input, dbReady));
  await guarded("Service", () => serviceCheck(r, input, base));
  return r.results;
}

export function hasFailures(results: readonly CheckResult[]): boolean {
  return results.some((c) => c.status === "fail");
}

const SYMBOL: Record<CheckStatus, string> = { pass: "✔", fail: "✖", warn: "!", info: "·" };

/** One line per check, grouped by section; failed and warning lines end with their fix. */
export function formatReport(results: readonly CheckResult[], title: string): string {
  const lines = [title];
  for (const section of SECTIONS) {
    const inSection = results.filter((c) => c.section === section);
    if (inSection.length === 0) continue;
    lines.push("", section);
    for (const c of inSection) {
      lines.push(`  ${SYMBOL[c.status]} ${c.message}${c.fix ? ` — fix: ${c.fix}` : ""}`);
    }
  }
  const failed = results.filter((c) => c.status === "fail").length;
  const warned = results.filter((c) => c.status === "warn").length;
  const passed = results.filter((c) => c.status === "pass").length;
  lines.push("");
  lines.push(
    failed > 0
      ? `✖ ${failed} problem(s), ${warned} warning(s), ${passed} check(s) passed. Fix the ✖ lines and run the doctor again.`
      : `✔ ${passed} check(s) passed${warned ? `, ${warned} warning(s)` : ""}.`,
  );
  return lines.join("\n");
}
