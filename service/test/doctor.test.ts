// `npm run doctor` against the sandbox: the real Stripe and Calendly clients talk to the fakes,
// the database is an in-memory PGlite, and each fault produces the right ✖ line.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type FakeCalendly,
  type FakeEventTypeConfig,
  type FakeStripe,
  startFakeCalendly,
  startFakeStripe,
} from "@baw/sandbox";
import t, { type Test } from "tap";
import { serveAdminChannel } from "../src/cli/admin-channel-server.js";
import { doctorMain } from "../src/cli/doctor.js";
import {
  type CheckResult,
  type DoctorInput,
  type DoctorStripe,
  formatReport,
  hasFailures,
  runDoctor,
} from "../src/cli/doctor-checks.js";
import { sandboxEventTypes } from "../src/cli/local-sandbox.js";
import { type Config, loadConfig } from "../src/config.js";
import { type Database, openDatabase } from "../src/db/database.js";
import { seedDatabase } from "../src/db/seed.js";
import { updateBuilder } from "../src/domain/catalogue/builders.js";
import { type CalendlyClient, createCalendlyClient } from "../src/providers/calendly.js";
import { createStripeClient } from "../src/providers/stripe.js";
import { migratedTemplate } from "./helpers/pglite-template.js";

const run = promisify(execFile);
const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const PUBLIC_URL = "https://booking.example";
const CALENDLY_TOKEN = "calendly-doctor-token";
const CALENDLY_KEY = "calendly-doctor-signing-key";
const STRIPE_WEBHOOK_SECRET = "whsec_doctor";

const liamType: FakeEventTypeConfig = sandboxEventTypes[0]!;
const otherType: FakeEventTypeConfig = {
  userUuid: "5d0c2a7e-9f14-4b3a-8e21-6c7d8e9f0a1b",
  userSlug: "other-builder",
  userName: "Other Builder",
  userEmail: "other@example.com",
  eventTypeUuid: "8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5f6e",
  slug: "intro",
  name: "Intro call",
  durationMinutes: 30,
};

const site = {
  name: "Marketplace",
  publishableKey: "pk_test_doctor_site",
  allowedOrigins: ["https://market.example"],
  returnUrlAllowlist: ["https://market.example/book"],
};

interface World {
  config: Config;
  db: Database;
  stripe: FakeStripe;
  calendly: FakeCalendly;
  input: DoctorInput;
  calendlyClient: CalendlyClient;
  stripeClient: DoctorStripe;
}

interface WorldOptions {
  /** Real-looking credentials pointed at the fakes (default), or the sandbox default. */
  mode?: "live" | "sandbox";
  stripeKey?: string;
  /** Calendly stays simulated while Stripe has credentials. */
  calendlySandbox?: boolean;
  env?: NodeJS.ProcessEnv;
  liamEventUrl?: (calendly: FakeCalendly) => string;
  calendlyToken?: string;
  migrate?: boolean;
}

async function world(t: Test, options: WorldOptions = {}): Promise<World> {
  const mode = options.mode ?? "live";
  const sandboxCalendly = mode === "sandbox" || options.calendlySandbox === true;
  const sandboxStripe = mode === "sandbox";
  const stripeKey = options.stripeKey ?? (sandboxStripe ? "sk_test_sandbox" : "sk_test_doctor");
  const stripeSecret = sandboxStripe ? "whsec_sandbox" : STRIPE_WEBHOOK_SECRET;
  const calendlyToken = sandboxCalendly ? "calendly-sandbox-token" : CALENDLY_TOKEN;
  const calendlyKey = sandboxCalendly ? "calendly-sandbox-signing-key" : CALENDLY_KEY;
  const stripe = await startFakeStripe({ secretKey: stripeKey, webhookSecret: stripeSecret, autoExpire: false });
  const calendly = await startFakeCalendly({
    token: calendlyToken,
    webhookSigningKey: calendlyKey,
    eventTypes: [liamType, otherType],
  });
  t.teardown(() => Promise.all([stripe.close(), calendly.close()]));
  const liamEventUrl = options.liamEventUrl?.(calendly) ?? `${calendly.url}/${liamType.userSlug}/${liamType.slug}`;
  const env: NodeJS.ProcessEnv = {
    PGLITE_DIR: "memory://",
    PROVIDER_MODE: mode === "live" && !sandboxCalendly ? "live" : "sandbox",
  };
  if (mode === "live") env.BOOKING_TOKEN_SECRET = "b".repeat(40);
  if (!sandboxStripe) Object.assign(env, { STRIPE_SECRET_KEY: stripeKey, STRIPE_WEBHOOK_SECRET: stripeSecret });
  // The service and the doctor reach a sandbox's fakes, like real providers, by their URLs.
  Object.assign(env, { STRIPE_API_BASE: stripe.url });
  if (sandboxCalendly) Object.assign(env, { CALENDLY_API_BASE: calendly.apiBase, CALENDLY_ORIGIN: calendly.url });
  if (!sandboxCalendly) {
    Object.assign(env, {
      CALENDLY_TOKEN: calendlyToken,
      CALENDLY_WEBHOOK_SIGNING_KEY: calendlyKey,
      CALENDLY_API_BASE: calendly.apiBase,
      CALENDLY_ORIGIN: calendly.url,
    });
  }
  if (mode === "live") Object.assign(env, { PUBLIC_URL, BOOKING_TOKEN_SECRET: "b".repeat(40) });
  Object.assign(env, options.env);
  const config = loadConfig(env);
  const base = config.publicUrl ?? `http://127.0.0.1:${config.port}`;
  stripe.setWebhookUrl(`${base}/webhooks/stripe`);
  calendly.setWebhookUrl(`${base}/webhooks/calendly`);

  const migrated = options.migrate ?? true;
  // A migrated database starts from the suite's template; an unmigrated one is made empty.
  const db = await openDatabase(
    config.database,
    migrated ? { loadDataDir: await migratedTemplate() } : { migrate: false },
  );
  t.teardown(() => db.close());
  if (options.migrate ?? true) {
    await seedDatabase(db.prisma, { sites: [site] });
    // The operator attaches the account's event URL to its builder (admin CLI or partner API).
    if (!sandboxCalendly) await updateBuilder(db.prisma, "liam", { calendlyEventUrl: liamEventUrl });
  }
  const calendlyClient = createCalendlyClient({
    apiBase: calendly.apiBase,
    token: options.calendlyToken ?? calendlyToken,
    maxRetries: 0,
  });
  const stripeClient = createStripeClient({ secretKey: stripeKey, apiBase: stripe.url, maxNetworkRetries: 0 });
  return {
    config,
    db,
    stripe,
    calendly,
    calendlyClient,
    stripeClient,
    input: { config, db, calendly: calendlyClient, stripe: stripeClient, fetch: null, pingRedis: null },
  };
}

const failures = (results: CheckResult[]) => results.filter((c) => c.status === "fail");
const warnings = (results: CheckResult[]) => results.filter((c) => c.status === "warn");
const lines = (results: CheckResult[]) => results.map((c) => `${c.status} ${c.message}`).join("\n");

/** Exactly one failed line, matching `pattern`, with a fix. */
function failsWith(t: Test, results: CheckResult[], pattern: RegExp, section?: string): CheckResult {
  const failed = failures(results);
  const hit = failed.find((c) => pattern.test(c.message));
  t.ok(hit, `a failed line matches ${pattern}:\n${lines(results)}`);
  if (section && hit) t.equal(hit.section, section, "in its section");
  t.ok(hit?.fix, "the failed line names its fix");
  t.ok(hasFailures(results), "exit status is non-zero");
  return hit!;
}

t.test("a healthy deployment (real clients against the fakes): every check passes", async (t) => {
  const w = await world(t);
  const results = await runDoctor(w.input);
  t.same(failures(results), [], lines(results));
  t.same(warnings(results), [], lines(results));
  t.notOk(hasFailures(results));
  const text = lines(results);
  t.match(text, /pass Calendly API at .* accepts the token: user Liam/);
  t.match(text, /pass Liam \(liam\): .*build-session is Liam's event type/);
  t.match(
    text,
    /pass webhook subscription \(organization scope\) is active for invitee.created, invitee.canceled → https:\/\/booking.example\/webhooks\/calendly/,
  );
  t.match(text, /pass the webhook subscription is signed/);
  t.match(text, /pass Stripe accepts the test-mode key/);
  t.match(
    text,
    /pass webhook endpoint we_\w+ sends checkout.session.completed, .*charge.refunded → https:\/\/booking.example\/webhooks\/stripe/,
  );
  t.match(text, /pass all \d+ committed migration\(s\) are applied/);
  t.match(text, /pass site "Marketplace" \(pk_test_doctor_site\): 1 origin\(s\), 1 return URL\(s\)/);
  const report = formatReport(results, "title");
  t.match(report, /^ {2}✔ /m, "passed lines carry ✔");
  t.match(report, /✔ \d+ check\(s\) passed\.$/);
});

t.test("the sandbox default says so and checks the fakes", async (t) => {
  const w = await world(t, { mode: "sandbox" });
  const results = await runDoctor({
    ...w.input,
    sandbox: { stripeUrl: w.stripe.url, calendlyUrl: w.calendly.url },
  });
  t.same(failures(results), [], lines(results));
  const text = lines(results);
  t.match(text, /info sandbox mode: no Stripe or Calendly credentials are set/);
  t.match(text, /pass sandbox Calendly \(the fake at http:\/\/127.0.0.1:\d+\) accepts the token/);
  t.match(text, /pass sandbox Stripe \(the fake at http:\/\/127.0.0.1:\d+\) accepts the test-mode key/);
  t.match(text, /pass Liam \(liam\): https:\/\/calendly.com\/liam-buildappswith\/build-session is Liam's event type/);
  t.match(text, /webhooks are expected at http:\/\/127.0.0.1:3000/);
});

t.test("bad Calendly token", async (t) => {
  const w = await world(t, { calendlyToken: "not-the-token" });
  const hit = failsWith(t, await runDoctor(w.input), /rejects CALENDLY_TOKEN \(401/, "Calendly");
  t.match(hit.fix, /personal access token/);
});

t.test("Liam's event URL belongs to another Calendly user", async (t) => {
  const w = await world(t, { liamEventUrl: (c) => `${c.url}/${otherType.userSlug}/${otherType.slug}` });
  const hit = failsWith(
    t,
    await runDoctor(w.input),
    /Liam \(liam\): event URL .*other-builder\/intro is not an event type of Liam/,
  );
  t.match(hit.fix, /liam-buildappswith\/build-session/, "the fix names the token user's own event pages");
  t.match(hit.fix, /OAuth/);
});

t.test("Calendly webhook subscription missing", async (t) => {
  const w = await world(t);
  w.calendly.setWebhookUrl(undefined);
  const hit = failsWith(
    t,
    await runDoctor(w.input),
    /^no Calendly webhook subscription points at https:\/\/booking.example\/webhooks\/calendly$/,
  );
  t.match(hit.fix, /signing_key=CALENDLY_WEBHOOK_SIGNING_KEY/);
});

t.test("Calendly webhook subscription points elsewhere", async (t) => {
  const w = await world(t);
  w.calendly.setWebhookUrl("https://old.example/webhooks/calendly");
  failsWith(t, await runDoctor(w.input), /the ones found point at https:\/\/old.example\/webhooks\/calendly/);
});

t.test("a disabled Calendly subscription, and real Calendly's silence about the signing key", async (t) => {
  const w = await world(t);
  const realList = w.calendlyClient.listWebhookSubscriptions;
  const disabled: CalendlyClient = {
    ...w.calendlyClient,
    listWebhookSubscriptions: async (params) => {
      const res = await realList(params);
      return { ...res, collection: res.collection.map((s) => ({ ...s, state: "disabled" as const })) };
    },
  };
  failsWith(
    t,
    await runDoctor({ ...w.input, calendly: disabled }),
    /is disabled; Calendly disables a subscription after 24 h/,
  );

  const silent: CalendlyClient = {
    ...w.calendlyClient,
    listWebhookSubscriptions: async (params) => {
      const res = await realList(params);
      return { ...res, collection: res.collection.map(({ has_signing_key: _, ...s }) => s) };
    },
  };
  let results = await runDoctor({ ...w.input, calendly: silent });
  t.same(failures(results), [], lines(results));
  const warned = warnings(results).find((c) =>
    /does not reveal whether a subscription has a signing key/.test(c.message),
  );
  t.ok(warned, "a warning when nothing proves the key");
  t.match(warned?.fix, /book and cancel a test slot/);
  t.notOk(hasFailures(results), "warnings alone exit 0");

  await w.db.prisma.webhookDelivery.create({
    data: { provider: "CALENDLY", signature: "VALID", responseStatus: 200, type: "invitee.created" },
  });
  results = await runDoctor({ ...w.input, calendly: silent });
  t.match(
    lines(results),
    /pass the webhook subscription is signed with CALENDLY_WEBHOOK_SIGNING_KEY: a delivery verified at/,
  );
});

t.test("Calendly deliveries failing their signature check", async (t) => {
  const w = await world(t);
  await w.db.prisma.webhookDelivery.create({
    data: { provider: "CALENDLY", signature: "INVALID", responseStatus: 400, error: "signature mismatch" },
  });
  const hit = failsWith(t, await runDoctor(w.input), /latest Calendly webhook delivery .* failed its signature check/);
  t.match(hit.fix, /CALENDLY_WEBHOOK_SIGNING_KEY/);
});

t.test("Stripe webhook endpoint missing", async (t) => {
  const w = await world(t);
  w.stripe.setWebhookUrl(undefined);
  failsWith(
    t,
    await runDoctor(w.input),
    /^no test-mode Stripe webhook endpoint for https:\/\/booking.example\/webhooks\/stripe$/,
    "Stripe",
  );
});

t.test("Stripe webhook endpoint missing an event", async (t) => {
  const w = await world(t);
  const real = w.stripeClient;
  const stripe: DoctorStripe = {
    accounts: real.accounts,
    webhookEndpoints: {
      list: async (params) => {
        const res = await real.webhookEndpoints.list(params);
        return {
          ...res,
          data: res.data.map((ep) => ({
            ...ep,
            enabled_events: ep.enabled_events.filter((e) => e !== "charge.refunded"),
          })),
        };
      },
    },
  };
  const hit = failsWith(t, await runDoctor({ ...w.input, stripe }), /does not send charge.refunded$/);
  t.match(hit.fix, /add charge.refunded/);
});

t.test("bad Stripe key", async (t) => {
  const w = await world(t);
  const stripe = createStripeClient({ secretKey: "sk_test_wrong", apiBase: w.stripe.url, maxNetworkRetries: 0 });
  failsWith(t, await runDoctor({ ...w.input, stripe }), /rejects STRIPE_SECRET_KEY/);
});

t.test("a live key in the sandbox", async (t) => {
  const w = await world(t, { stripeKey: "sk_live_doctor", calendlySandbox: true });
  const results = await runDoctor(w.input);
  failsWith(t, results, /live key while Calendly runs in sandbox mode/);
  failsWith(t, results, /mode mismatch: STRIPE_SECRET_KEY is a live-mode key but Stripe answered with test-mode data/);
});

t.test("a live key outside production, against test-mode data", async (t) => {
  const w = await world(t, { stripeKey: "sk_live_doctor" });
  const results = await runDoctor(w.input);
  t.ok(warnings(results).some((c) => /live key but NODE_ENV=development/.test(c.message)));
  failsWith(t, results, /mode mismatch/);
});

t.test("production with simulated providers is an invalid environment", async (t) => {
  const out: string[] = [];
  const env = { PROVIDER_MODE: "sandbox", NODE_ENV: "production", BOOKING_TOKEN_SECRET: "s".repeat(40) };
  t.equal(await doctorMain({ env, out: (text) => out.push(text), fetch: null }), 1);
  t.match(out.join("\n"), /✖ PROVIDER_MODE must be live in production.* — fix: set PROVIDER_MODE=live/);
});

t.test("pending migrations", async (t) => {
  const w = await world(t);
  await w.db.sql.exec(`DELETE FROM "_prisma_migrations"`);
  const results = await runDoctor(w.input);
  const hit = failsWith(t, results, /^\d+ migration\(s\) not applied: \d+_init\b/, "Database");
  t.match(hit.fix, /npm run db:migrate -w service/);
  t.match(lines(results), /info builder, site and delivery checks need a migrated database/);
});

t.test("a database that was never migrated", async (t) => {
  const w = await world(t, { migrate: false });
  const results = await runDoctor(w.input);
  failsWith(t, results, /migration\(s\) not applied/);
  t.match(lines(results), /info builder event URLs not checked/, "the builders' event URLs live in the database");
});

t.test("an unreachable database", async (t) => {
  const w = await world(t);
  const broken: Database = {
    ...w.db,
    sql: {
      query: async () => {
        throw new Error("connect ECONNREFUSED 127.0.0.1:5");
      },
      exec: async () => {},
    },
  };
  failsWith(t, await runDoctor({ ...w.input, db: broken }), /is not reachable: connect ECONNREFUSED/);
});

t.test("a site with a path in its origin", async (t) => {
  const w = await world(t);
  await w.db.prisma.site.create({
    data: {
      name: "Shop",
      publishableKey: "pk_test_shop",
      allowedOrigins: ["https://shop.example/store"],
      returnUrlAllowlist: ["https://shop.example/store/booked"],
    },
  });
  const hit = failsWith(
    t,
    await runDoctor(w.input),
    /site "Shop" \(pk_test_shop\): origin "https:\/\/shop.example\/store" is not a bare scheme:\/\/host\[:port\]/,
    "Sites and partner keys",
  );
  t.match(hit.fix, /npm run admin -- sites update pk_test_shop --origin/);
});

t.test("a return URL on a foreign origin, and other site mistakes", async (t) => {
  const w = await world(t);
  await w.db.prisma.site.create({
    data: {
      name: "Shop",
      publishableKey: "pk_test_shop",
      allowedOrigins: ["https://shop.example"],
      returnUrlAllowlist: ["https://evil.example/landing"],
    },
  });
  await w.db.prisma.site.create({
    data: {
      name: "Members",
      publishableKey: "pk_test_members",
      allowedOrigins: ["https://Members.example"],
      returnUrlAllowlist: [],
      requireCustomerToken: true,
    },
  });
  const results = await runDoctor(w.input);
  failsWith(
    t,
    results,
    /site "Shop" \(pk_test_shop\): return URL https:\/\/evil.example\/landing is not on one of the site's origins/,
  );
  failsWith(
    t,
    results,
    /site "Members" .*origin "https:\/\/Members.example" never equals the Origin header browsers send \(https:\/\/members.example\)/,
  );
  failsWith(t, results, /site "Members" .*has no return URLs/);
  failsWith(t, results, /site "Members" .*requires customer tokens but has no secret or JWKS URL/);
  t.match(lines(results), /pass site "Marketplace"/, "the healthy site still passes");
});

t.test("http origins in production", async (t) => {
  const w = await world(t, {
    env: { NODE_ENV: "production", TRUST_PROXY: "true", REDIS_URL: "redis://127.0.0.1:6379" },
  });
  await w.db.prisma.site.create({
    data: {
      name: "Plain",
      publishableKey: "pk_live_plain",
      allowedOrigins: ["http://plain.example"],
      returnUrlAllowlist: ["http://plain.example/done"],
    },
  });
  const results = await runDoctor(w.input);
  failsWith(t, results, /origin http:\/\/plain.example is not https/);
  failsWith(t, results, /return URL http:\/\/plain.example\/done is not https/);
  t.ok(warnings(results).some((c) => /test-mode key in production/.test(c.message)));
});

t.test("a partner key that may write bookings but has nowhere to return", async (t) => {
  const w = await world(t);
  await w.db.prisma.partnerKey.create({
    data: {
      name: "Acme",
      prefix: "AbCd1234",
      secretHash: "0".repeat(64),
      scopes: ["bookings:write"],
      returnUrlAllowlist: [],
    },
  });
  const hit = failsWith(
    t,
    await runDoctor(w.input),
    /partner key AbCd1234 \("Acme"\) may write bookings but has no return URLs/,
  );
  t.match(hit.fix, /partner-keys revoke AbCd1234/);
});

t.test("missing PUBLIC_URL with real credentials", async (t) => {
  const w = await world(t, { env: { PUBLIC_URL: "" } });
  const results = await runDoctor(w.input);
  failsWith(t, results, /PUBLIC_URL is not set/, "Configuration");
});

t.test("a builder without an event URL, and one on another origin", async (t) => {
  const w = await world(t);
  const db = w.input.db!;
  await updateBuilder(db.prisma, "liam", { calendlyEventUrl: null });
  let results = await runDoctor(w.input);
  const warned = warnings(results).find((c) => /builder Liam \(liam\) has no Calendly event URL/.test(c.message));
  t.ok(warned, lines(results));
  t.match(warned?.fix, /npm run admin -- builders update liam --calendly-event-url <url>/);

  await updateBuilder(db.prisma, "liam", { calendlyEventUrl: "https://elsewhere.example/liam/build-session" });
  results = await runDoctor(w.input);
  const hit = failsWith(
    t,
    results,
    /builder Liam \(liam\): event URL https:\/\/elsewhere\.example\/.* is not on CALENDLY_ORIGIN/,
  );
  t.match(hit.fix, /builders update liam --calendly-event-url/);

  await db.prisma.builder.updateMany({ data: { bookingEnabled: false } });
  results = await runDoctor(w.input);
  t.ok(
    warnings(results).some((c) => /no active builder in the catalogue/.test(c.message)),
    "an empty catalogue is a warning",
  );
});

t.test("the running service, probed at PUBLIC_URL/ready", async (t) => {
  const w = await world(t);
  const answer =
    (status: number, body: unknown): typeof fetch =>
    async () =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  let results = await runDoctor({
    ...w.input,
    fetch: answer(200, { status: "ready", database: "up", pendingMigrations: [], sandbox: false }),
  });
  t.match(lines(results), /pass the service at https:\/\/booking.example is ready/);
  t.notOk(hasFailures(results));
  results = await runDoctor({
    ...w.input,
    fetch: answer(200, { status: "ready", database: "up", pendingMigrations: [], sandbox: true }),
  });
  failsWith(t, results, /runs in sandbox mode, but this environment has live credentials/, "Service");
  results = await runDoctor({
    ...w.input,
    fetch: answer(503, { status: "not_ready", database: "down", pendingMigrations: [], sandbox: false }),
  });
  failsWith(t, results, /is not ready: database down/);
  results = await runDoctor({
    ...w.input,
    fetch: async () => {
      throw new TypeError("fetch failed");
    },
  });
  t.ok(warnings(results).some((c) => /no service answers at https:\/\/booking.example\/ready/.test(c.message)));
  t.notOk(hasFailures(results), "an unreachable service is a warning");
});

t.test("Redis that does not answer", async (t) => {
  const w = await world(t, { env: { REDIS_URL: "redis://127.0.0.1:1" } });
  const results = await runDoctor({
    ...w.input,
    pingRedis: async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:1");
    },
  });
  failsWith(t, results, /REDIS_URL does not answer/);
});

t.test("malformed environment: each problem is its own failed line", async (t) => {
  const failedLines = async (env: NodeJS.ProcessEnv) => {
    const out: string[] = [];
    const code = await doctorMain({ env, out: (text) => out.push(text), fetch: null });
    t.equal(code, 1, "exit status 1");
    return out
      .join("\n")
      .split("\n")
      .filter((l) => l.startsWith("  ✖ "));
  };
  let failed = await failedLines({ STRIPE_SECRET_KEY: "pk_test_oops", PORT: "http" });
  t.equal(failed.length, 2, failed.join("\n"));
  t.match(failed.join("\n"), /✖ PORT .* — fix: set PORT to a port number/);
  t.match(failed.join("\n"), /✖ STRIPE_SECRET_KEY must look like sk_test_… or sk_live_… — fix: copy the secret key/);
  failed = await failedLines({
    PROVIDER_MODE: "sandbox",
    BOOKING_TOKEN_SECRET: "s".repeat(40),
    STRIPE_SECRET_KEY: "sk_test_abc123",
    CALENDLY_TOKEN: "tok",
  });
  t.equal(failed.length, 2, failed.join("\n"));
  t.match(failed.join("\n"), /✖ STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set — fix: /);
  t.match(failed.join("\n"), /✖ CALENDLY_WEBHOOK_SIGNING_KEY is required when CALENDLY_TOKEN is set — fix: /);
  failed = await failedLines({ NODE_ENV: "production" });
  t.match(
    failed.join("\n"),
    /✖ BOOKING_TOKEN_SECRET is required in production — fix: set BOOKING_TOKEN_SECRET to 32\+ random/,
  );
});

t.test("the CLI in sandbox mode, in-process: says so, checks the fakes, exits 0", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "baw-doctor-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const db = await openDatabase({ kind: "pglite", dir });
  await seedDatabase(db.prisma, { sites: [site] });
  await db.close();
  const out: string[] = [];
  const code = await doctorMain({
    env: { PROVIDER_MODE: "sandbox", PGLITE_DIR: dir },
    out: (text) => out.push(text),
    fetch: null,
  });
  const text = out.join("\n");
  t.equal(code, 0, text);
  t.match(text, /^baw booking doctor — SANDBOX MODE/);
  t.match(text, /✔ sandbox Calendly \(the doctor's own fake at http:\/\/127.0.0.1:\d+\) accepts the token/);
  t.match(text, /✔ sandbox Stripe \(the doctor's own fake at http:\/\/127.0.0.1:\d+\) accepts the test-mode key/);
  t.notMatch(text, /✖/);
});

t.test("the CLI beside a process that has the PGlite directory open leaves it closed", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "baw-doctor-owned-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // Opened as the service opens it.
  const service = await openDatabase({ kind: "pglite", dir });
  t.teardown(() => service.close());
  const env = { PGLITE_DIR: dir, PROVIDER_MODE: "sandbox" };
  await serveAdminChannel(service, loadConfig(env, { providers: false }));
  const out: string[] = [];
  await doctorMain({ env, out: (text) => out.push(text), fetch: null });
  t.match(
    out.join("\n"),
    /PGlite at .* is open in the running service \(process \d+\), so the doctor leaves it closed/,
  );
  t.notMatch(out.join("\n"), /could not be opened/, "it did not try to open it");
});

t.test("the CLI with a missing PGlite directory warns instead of creating it", async (t) => {
  const dir = path.join(tmpdir(), `baw-doctor-missing-${process.pid}-${Date.now()}`);
  const out: string[] = [];
  const env = { PROVIDER_MODE: "sandbox", PGLITE_DIR: dir };
  const code = await doctorMain({ env, out: (text) => out.push(text), fetch: null });
  t.equal(code, 0);
  t.match(
    out.join("\n"),
    new RegExp(`! PGlite directory ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} does not exist yet`),
  );
});

t.test("the CLI as a process: a broken environment exits 1 with one ✖ line", async (t) => {
  const result = await run(process.execPath, ["--import", "tsx", "src/cli/doctor.ts"], {
    cwd: serviceDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PROVIDER_MODE: "sandbox",
      BOOKING_TOKEN_SECRET: "s".repeat(40),
      STRIPE_SECRET_KEY: "sk_test_abc123",
    },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  t.equal(result.code, 1);
  const failed = result.stdout.split("\n").filter((l) => l.includes("✖ ") && l.startsWith("  "));
  t.same(failed.length, 1, result.stdout);
  t.match(
    failed[0],
    /^ {2}✖ STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set — fix: copy the endpoint's signing secret/,
  );
});

t.test(
  "pay first: a builder who chose it but cannot be booked that way, and a spent Scheduling API budget",
  async (t) => {
    const w = await world(t);
    const quiet = await runDoctor(w.input);
    t.match(
      lines(quiet),
      /info pay first: Calendly's Scheduling API limits kept per builder 10\/minute, 50\/hour, 100\/day/,
    );

    const liam = await w.db.prisma.builder.findUniqueOrThrow({ where: { slug: "liam" } });
    await w.db.prisma.builder.create({
      data: { slug: "no-calendar", name: "No Calendar", headline: "", bookingFlow: "PAY_FIRST" },
    });
    const hourAgo = Date.now() - 60 * 60 * 1000;
    await w.db.prisma.schedulingApiCall.createMany({
      data: Array.from({ length: 100 }, (_, i) => ({
        builderId: liam.id,
        outcome: "BOOKED" as const,
        at: new Date(hourAgo - i * 60_000),
      })),
    });
    const results = await runDoctor(w.input);
    t.same(failures(results), [], "nothing here fails the deployment");
    const chose = warnings(results).find((c) =>
      /No Calendar \(no-calendar\) chose pay-first but cannot/.test(c.message),
    );
    t.ok(chose?.fix, `the builder's set-up is named, with its fix:\n${lines(results)}`);
    const spent = warnings(results).find((c) => /Liam \(liam\): 100 of 100 Scheduling API bookings/.test(c.message));
    t.match(spent?.message, /pay-first is not offered until \d{4}-/, "when it is offered again");
  },
);
