// Several service processes over one fresh PostgreSQL database, sharing one fake Stripe and one
// fake Calendly (run in this process, so tests read their logs and inject faults). Each service is
// `node --import tsx src/server.ts` with real-provider configuration pointing at the fakes, and
// writes its logs to a file that `scanLogs` checks for PII and secrets.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type FakeCalendly, type FakeStripe, startFakeCalendly, startFakeStripe } from "@baw/sandbox";
import type Stripe from "stripe";
import { sandboxEventTypes } from "../../src/cli/local-sandbox.js";
import { type Database, openDatabase } from "../../src/db/database.js";
import { liamCalendly, type SiteSeed, seedDatabase } from "../../src/db/seed.js";
import { signatureHeader } from "../../src/providers/webhook-signature.js";
import { testSite } from "./app.js";
import { assertLedger, settledLedger } from "./ledger.js";
import { forbiddenShapes, type LogScan, scanLogs as scanLogFiles } from "./log-scan.js";
import { type FreshDatabase, freshDatabase } from "./postgres.js";
import { recordPeopleOf, suiteLogSubdir } from "./suite-logs.js";

export type { LogFinding, LogScan } from "./log-scan.js";

const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Credentials the services run with: distinctive, so the log scan can look for each. */
export const clusterSecrets = {
  stripeSecretKey: "sk_test_reliabilityK3yZq9",
  stripeWebhookSecret: "whsec_reliabilityW8hQx2",
  calendlyToken: "calendly-reliability-token-Vb7Tn",
  calendlyWebhookSigningKey: "calendly-reliability-signing-Pz4Lm",
  bookingTokenSecret: "reliability-booking-token-secret-0123456789abcdef",
  metricsToken: "reliability-metrics-token-0123456789abcdef",
} as const;

export interface ClusterOptions {
  /** Names the log files and the database. */
  name: string;
  /** Service processes to start (default 2). */
  instances?: number;
  /** Extra environment for every instance. */
  env?: Record<string, string>;
  /** Per-instance environment; `databaseUrl` is the cluster's database. */
  envFor?: (index: number, databaseUrl: string) => Record<string, string>;
  /** Extra embedding sites. */
  sites?: SiteSeed[];
  /** Start the instances at once without preparing the database first (they migrate and seed it). */
  coldStart?: boolean;
}

export interface Instance {
  index: number;
  url: string;
  port: number;
  logFile: string;
  readonly process: ChildProcess | undefined;
  /** Starts (or restarts) the process on the same port and waits until /health answers. */
  start(): Promise<void>;
  /** Sends a signal and waits for the process to exit and its output to reach the log file. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the instance and closes its log file, fully written. */
  close(): Promise<void>;
}

export interface Cluster {
  name: string;
  databaseUrl: string;
  /** For inspection and set-up: the same database the instances use. */
  db: Database;
  stripe: FakeStripe;
  calendly: FakeCalendly;
  instances: Instance[];
  logDir: string;
  logFiles: string[];
  siteHeaders: Record<string, string>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const count = options.instances ?? 2;
  const fresh: FreshDatabase = await freshDatabase(`baw_rel_${options.name.replace(/\W/g, "_")}`);
  const logDir = suiteLogSubdir(`${options.name}-${fresh.name.split("_").slice(-2).join("-")}`);
  const sites = [testSite, ...(options.sites ?? [])];
  let db: Database | undefined;
  if (!options.coldStart) {
    db = await openDatabase({ kind: "postgres", url: fresh.url });
    await seedDatabase(db.prisma, { sites });
  }
  const stripe = await startFakeStripe({
    secretKey: clusterSecrets.stripeSecretKey,
    webhookSecret: clusterSecrets.stripeWebhookSecret,
    autoExpire: false,
    asyncSettleMs: -1,
  });
  const calendly = await startFakeCalendly({
    token: clusterSecrets.calendlyToken,
    webhookSigningKey: clusterSecrets.calendlyWebhookSigningKey,
    eventTypes: sandboxEventTypes,
    // The harness sends the load; Calendly's own per-minute limit is tested separately.
    rateLimitPerMinute: 10_000_000,
  });

  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    DATABASE_URL: fresh.url,
    REDIS_URL: "redis://127.0.0.1:6379",
    STRIPE_SECRET_KEY: clusterSecrets.stripeSecretKey,
    STRIPE_WEBHOOK_SECRET: clusterSecrets.stripeWebhookSecret,
    STRIPE_API_BASE: stripe.url,
    CALENDLY_TOKEN: clusterSecrets.calendlyToken,
    CALENDLY_WEBHOOK_SIGNING_KEY: clusterSecrets.calendlyWebhookSigningKey,
    CALENDLY_API_BASE: calendly.apiBase,
    CALENDLY_ORIGIN: calendly.url,
    BOOKING_TOKEN_SECRET: clusterSecrets.bookingTokenSecret,
    // The sweeper is started explicitly by the tests that need it.
    SWEEP_INTERVAL_SECONDS: "3600",
    RATE_LIMIT_MAX: "1000000",
    // Load shedding answers 503 whenever this (shared, busy) machine stalls the event loop for a
    // second; these tests are about correctness under concurrency, not about shedding.
    MAX_EVENT_LOOP_DELAY_MS: "0",
    METRICS_TOKEN: clusterSecrets.metricsToken,
    ...options.env,
  };

  const instances: Instance[] = [];
  for (let index = 0; index < count; index++) {
    const port = await freePort();
    const env = { ...baseEnv, PORT: String(port), ...options.envFor?.(index, fresh.url) };
    instances.push(makeInstance(index, port, env, path.join(logDir, `${options.name}-${index}.log`)));
  }
  try {
    await Promise.all(instances.map((i) => i.start()));
  } catch (error) {
    await Promise.all(instances.map((i) => i.close()));
    await Promise.all([stripe.close(), calendly.close()]);
    await db?.close();
    await fresh.drop();
    throw error;
  }
  if (!db) {
    db = await openDatabase({ kind: "postgres", url: fresh.url }, { migrate: false });
    await seedDatabase(db.prisma, { sites });
  }
  const opened = db;
  let closing: Promise<void> | undefined;
  return {
    name: options.name,
    databaseUrl: fresh.url,
    db: opened,
    stripe,
    calendly,
    instances,
    logDir,
    logFiles: instances.map((i) => i.logFile),
    siteHeaders: { "x-baw-site-key": testSite.publishableKey, origin: testSite.allowedOrigins[0]! },
    close: () => {
      closing ??= (async () => {
        // The same money check as every test app's (test/helpers/ledger.ts), once webhooks settled.
        const ledger = await settledLedger(opened.prisma, stripe, calendly);
        await Promise.all(instances.map((i) => i.close()));
        await recordPeopleOf(opened, calendly);
        await Promise.all([stripe.close(), calendly.close()]);
        await opened.close();
        await fresh.drop();
        assertLedger(ledger);
      })();
      return closing;
    },
  };
}

function makeInstance(index: number, port: number, env: Record<string, string>, logFile: string): Instance {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const log = createWriteStream(logFile, { flags: "a" });
  const url = `http://127.0.0.1:${port}`;
  const instance: Instance = {
    index,
    url,
    port,
    logFile,
    get process() {
      return child;
    },
    async start() {
      const proc = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
        cwd: serviceDir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = proc;
      proc.stdout.pipe(log, { end: false });
      proc.stderr.pipe(log, { end: false });
      const closed = (stream: NodeJS.ReadableStream) => new Promise<void>((resolve) => stream.once("close", resolve));
      // Exited, and everything it wrote passed on to the log stream.
      exited = Promise.all([
        new Promise<void>((resolve) => proc.once("exit", () => resolve())),
        closed(proc.stdout),
        closed(proc.stderr),
      ]).then(() => undefined);
      const deadline = Date.now() + 90_000;
      for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`instance ${index} exited during start-up; see ${logFile}`);
        }
        const res = await request(url, { path: "/health", timeoutMs: 1000 }).catch(() => undefined);
        if (res?.status === 200) return;
        if (Date.now() > deadline) throw new Error(`instance ${index} did not start; see ${logFile}`);
        await sleep(100);
      }
    },
    async kill(signal = "SIGTERM") {
      const proc = child;
      if (!proc) return;
      let timer: NodeJS.Timeout | undefined;
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(signal);
        timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      }
      await exited;
      clearTimeout(timer);
    },
    async close() {
      await instance.kill("SIGTERM");
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
  return instance;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- HTTP --------------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
  json<T = Record<string, unknown>>(): T;
}

export interface HttpRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
  timeoutMs?: number;
  /** Source address on the loopback network (127.x.y.z), for per-client limits. */
  localAddress?: string;
}

export function request(base: string, req: HttpRequest): Promise<HttpResult> {
  // The path goes out as given (no URL normalisation), so tests can send odd ones.
  const origin = new URL(base);
  let payload: Buffer | undefined;
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) {
    if (typeof req.body === "string" || Buffer.isBuffer(req.body)) payload = Buffer.from(req.body);
    else {
      payload = Buffer.from(JSON.stringify(req.body));
      headers["content-type"] ??= "application/json";
    }
    headers["content-length"] ??= String(payload.length);
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        hostname: origin.hostname,
        port: origin.port,
        path: req.path,
        method: req.method ?? (payload ? "POST" : "GET"),
        headers,
        agent: req.localAddress ? undefined : agent,
        ...(req.localAddress ? { localAddress: req.localAddress } : {}),
        timeout: req.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            ms: performance.now() - started,
            json: <T>() => JSON.parse(body) as T,
          });
        });
      },
    );
    r.on("timeout", () => r.destroy(new Error(`timeout after ${req.timeoutMs ?? 30_000} ms: ${req.path}`)));
    r.on("error", reject);
    r.end(payload);
  });
}

// ---- booking flows ----------------------------------------------------------------------------

/** Invitees get this surname (and @guests.example addresses); the log scan looks for both. */
export const INVITEE_SURNAME = "Quillfeather";
let invitees = 0;

/** A visitor unlike any other in this process. */
export function invitee(): { name: string; email: string } {
  invitees++;
  return { name: `Vesper ${INVITEE_SURNAME}${invitees}`, email: `guest.${invitees}@guests.example` };
}

let nextSlot = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 24 * 3_600_000;

/** A free hour in the fake Calendly (every call gets its own). */
export function freeSlot(): Date {
  nextSlot += 3_600_000;
  return new Date(nextSlot);
}

export interface ClusterBooking {
  attemptId: string;
  eventUri: string;
  inviteeUri: string;
  bookingId: string;
  bookingToken: string;
  sessionId: string;
  checkoutUrl: string;
}

/** POST /v1/booking-attempts through an instance; returns the attempt id. */
export async function startAttempt(c: Cluster, via = 0, body: Record<string, unknown> = {}): Promise<string> {
  const res = await request(c.instances[via]!.url, {
    path: "/v1/booking-attempts",
    headers: c.siteHeaders,
    body: { builder: "liam", ...body },
  });
  if (res.status !== 201) throw new Error(`attempt: ${res.status} ${res.body}`);
  return res.json<{ attemptId: string }>().attemptId;
}

/** The visitor picks a slot in the fake Calendly, carrying the attempt id. */
export async function scheduleSlot(c: Cluster, attemptId: string | null, startTime = freeSlot()) {
  const who = invitee();
  return c.calendly.schedule({
    eventTypeUuid: liamCalendly.eventTypeUuid,
    startTime,
    name: who.name,
    email: who.email,
    ...(attemptId ? { utmContent: attemptId } : {}),
  });
}

export function reportBooking(c: Cluster, via: number, body: Record<string, unknown>): Promise<HttpResult> {
  return request(c.instances[via]!.url, { path: "/v1/bookings", headers: c.siteHeaders, body });
}

/** attempt → scheduled → reported: a booking awaiting payment with an open Checkout Session. */
export async function pendingBooking(c: Cluster, via = 0, startTime = freeSlot()): Promise<ClusterBooking> {
  const attemptId = await startAttempt(c, via);
  const slot = await scheduleSlot(c, attemptId, startTime);
  const res = await reportBooking(c, via, { attemptId, ...slot });
  if (res.status !== 201) throw new Error(`booking: ${res.status} ${res.body}`);
  const body = res.json<{ bookingId: string; bookingToken: string; checkoutUrl: string }>();
  return { attemptId, ...slot, ...body, sessionId: body.checkoutUrl.split("/").pop()! };
}

/** The event the fake Stripe raised for a session (or a charge's PaymentIntent), as delivered. */
export function stripeEventBody(c: Cluster, type: string, objectId: string): string {
  const found = c.stripe.events.find((e) => {
    const o = e.data.object as { id?: string; payment_intent?: string };
    return e.type === type && (o.id === objectId || o.payment_intent === objectId);
  });
  if (!found) throw new Error(`no ${type} for ${objectId}`);
  return JSON.stringify(found satisfies Stripe.Event);
}

/** Calendly cancellations the services made through the API, for one event. */
export function apiCancellations(c: Cluster, eventUri: string) {
  return c.calendly.cancellations.filter((x) => x.source === "api" && x.eventUri === eventUri);
}

/** Polls until `check` returns a truthy value. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = "condition") {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

// ---- webhooks ----------------------------------------------------------------------------------

export function stripeSignature(body: string, timestamp?: number): string {
  return signatureHeader(clusterSecrets.stripeWebhookSecret, body, timestamp);
}

export function calendlySignature(body: string, timestamp?: number): string {
  return signatureHeader(clusterSecrets.calendlyWebhookSigningKey, body, timestamp);
}

/** POSTs a webhook body to an instance, signed as its provider would (fresh timestamp). */
export function postWebhook(
  instance: Pick<Instance, "url">,
  provider: "stripe" | "calendly",
  body: string,
  signature = provider === "stripe" ? stripeSignature(body) : calendlySignature(body),
): Promise<HttpResult> {
  const header = provider === "stripe" ? "stripe-signature" : "calendly-webhook-signature";
  return request(instance.url, {
    method: "POST",
    path: `/webhooks/${provider}`,
    headers: { "content-type": "application/json; charset=utf-8", [header]: signature },
    body,
  });
}

/** Delivers like a provider: retries until a 2xx (fresh signature each time), recording each answer. */
export async function deliverUntilOk(
  target: { url: string } | (() => { url: string }),
  provider: "stripe" | "calendly",
  body: string,
  { attempts = 60, pauseMs = 200 } = {},
): Promise<{ statuses: number[]; last: HttpResult }> {
  const statuses: number[] = [];
  for (let i = 0; i < attempts; i++) {
    const res = await postWebhook(typeof target === "function" ? target() : target, provider, body);
    statuses.push(res.status);
    if (res.status >= 200 && res.status < 300) return { statuses, last: res };
    await sleep(pauseMs);
  }
  throw new Error(`never delivered: ${statuses.join(",")}`);
}

// ---- logs --------------------------------------------------------------------------------------

/** Things that must never appear in a log: the cluster's own secrets, and PII and secrets of any kind. */
export function forbiddenInLogs(extra: [string, string | RegExp][] = []): [string, string | RegExp][] {
  return [
    ["a Stripe secret key", clusterSecrets.stripeSecretKey],
    ["the Stripe webhook secret", clusterSecrets.stripeWebhookSecret],
    ["the Calendly token", clusterSecrets.calendlyToken],
    ["the Calendly signing key", clusterSecrets.calendlyWebhookSigningKey],
    ["the booking-token secret", clusterSecrets.bookingTokenSecret],
    ["an invitee's name", INVITEE_SURNAME],
    ...forbiddenShapes,
    ...extra,
  ];
}

/** Scans log files line by line for every forbidden pattern (default: forbiddenInLogs()). */
export function scanLogs(files: string[], forbidden = forbiddenInLogs()): LogScan {
  return scanLogFiles(files, forbidden);
}
