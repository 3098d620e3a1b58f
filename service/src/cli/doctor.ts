// `npm run doctor`: checks a deployment's configuration end to end (environment, database,
// Calendly, Stripe, sites, the running service) and prints a checklist. Every ✖ line names its
// fix. Exit codes: 0 nothing wrong (warnings allowed), 1 something is wrong, 2 the doctor crashed.
//
// With no provider credentials (sandbox mode) it starts the same in-process fakes the service
// starts, on free ports, and checks them instead of real accounts. It never writes to the
// database or to a provider.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type Config, ConfigError, loadConfig } from "../config.js";
import { type Database, openDatabase } from "../db/database.js";
import { currentOwner, EmbeddedDatabaseInUse, type OwnerRecord } from "../db/embedded-owner.js";
import { createCalendlyClient } from "../providers/calendly.js";
import { createStripeClient } from "../providers/stripe.js";
import type { FakeCalendly } from "../sandbox/fake-calendly/index.js";
import type { FakeStripe } from "../sandbox/fake-stripe/index.js";
import { startSandbox } from "../sandbox/start.js";
import {
  type CheckResult,
  type DoctorInput,
  formatReport,
  hasFailures,
  runDoctor,
  webhookBase,
} from "./doctor-checks.js";

export interface DoctorIo {
  out(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Probes the running service; null skips it (tests). Default: the global fetch. */
  fetch?: typeof fetch | null;
}

/** What to do about an invalid variable, by name. */
const CONFIG_FIXES: Record<string, string> = {
  NODE_ENV: "set NODE_ENV to development, production or test",
  HOST: "set HOST to the interface to listen on, e.g. 0.0.0.0",
  PORT: "set PORT to a port number between 0 and 65535",
  LOG_LEVEL: "set LOG_LEVEL to fatal, error, warn, info, debug, trace or silent",
  TRUST_PROXY: "set TRUST_PROXY to true or false",
  DATABASE_URL: "set DATABASE_URL to postgres://user:password@host:5432/db, or unset it to use the embedded PGlite",
  REDIS_URL: "set REDIS_URL to redis://host:6379 (or rediss:// for TLS), or unset it",
  PUBLIC_URL: "set PUBLIC_URL to the service's public base URL, e.g. https://booking.example.com",
  APP_URL: "set APP_URL to an absolute http(s) URL, or unset it",
  STRIPE_SECRET_KEY:
    "copy the secret key from Stripe Dashboard → Developers → API keys (sk_test_… or sk_live_…); unset both Stripe variables for the sandbox",
  STRIPE_WEBHOOK_SECRET:
    "copy the endpoint's signing secret (whsec_…) from Stripe Dashboard → Developers → Webhooks; unset both Stripe variables for the sandbox",
  CALENDLY_TOKEN: "set CALENDLY_TOKEN and CALENDLY_WEBHOOK_SIGNING_KEY together, or neither for the sandbox",
  CALENDLY_WEBHOOK_SIGNING_KEY:
    "set CALENDLY_WEBHOOK_SIGNING_KEY to the signing_key you create the webhook subscription with (or neither Calendly variable for the sandbox)",
  CALENDLY_API_BASE: "unset CALENDLY_API_BASE (default https://api.calendly.com)",
  CALENDLY_ORIGIN: "unset CALENDLY_ORIGIN (default https://calendly.com)",
  HOLD_MINUTES: "set HOLD_MINUTES between 31 and 1440 (Stripe Checkout lives 30 min to 24 h)",
  SANDBOX_HOLD_SECONDS: "unset SANDBOX_HOLD_SECONDS (it is for the sandbox only)",
  SWEEP_INTERVAL_SECONDS: "set SWEEP_INTERVAL_SECONDS between 1 and 3600",
  SANDBOX_STRIPE_PORT: "set SANDBOX_STRIPE_PORT to a port number, or 0 for any free port",
  SANDBOX_CALENDLY_PORT: "set SANDBOX_CALENDLY_PORT to a port number, or 0 for any free port",
  PROVIDER_MODE:
    "set PROVIDER_MODE=live with every credential, or PROVIDER_MODE=sandbox (never in production) for the local fakes",
  METRICS_TOKEN: "set METRICS_TOKEN to 32+ random characters, e.g. `openssl rand -hex 32`",
  BOOKING_TOKEN_SECRET: "set BOOKING_TOKEN_SECRET to 32+ random characters, e.g. `openssl rand -base64 48`",
  MAX_EVENT_LOOP_DELAY_MS: "set MAX_EVENT_LOOP_DELAY_MS to milliseconds (0 turns the check off)",
  RATE_LIMIT_MAX: "set RATE_LIMIT_MAX to a positive integer",
  RATE_LIMIT_WINDOW_SECONDS: "set RATE_LIMIT_WINDOW_SECONDS to a positive integer",
};

/** Each ConfigError problem as its own failed line. */
export function configProblems(error: ConfigError): CheckResult[] {
  return error.problems.map((problem) => {
    const variable = problem.split(" ", 1)[0] ?? "";
    return {
      section: "Configuration",
      status: "fail",
      message: problem,
      fix: CONFIG_FIXES[variable] ?? "see docs/CONFIGURATION.md",
    };
  });
}

function inUse(dir: string, owner: OwnerRecord, config: Config): NonNullable<DoctorInput["dbProblem"]> {
  const who = owner.admin ? `the running service (process ${owner.pid})` : `process ${owner.pid}`;
  return {
    status: "info",
    message: `PGlite at ${dir} is open in ${who}, so the doctor leaves it closed; the service's /ready on port ${config.port} reports on it below`,
  };
}

async function openForDoctor(config: Config): Promise<{ db?: Database; dbProblem?: DoctorInput["dbProblem"] }> {
  if (config.database.kind === "pglite") {
    const dir = config.database.dir;
    if (!dir.startsWith("memory://")) {
      if (!existsSync(dir)) {
        return {
          dbProblem: {
            status: "warn",
            message: `PGlite directory ${dir} does not exist yet`,
            fix: "the service creates and migrates it at its first start (or run `npm run db:migrate -w service`)",
          },
        };
      }
      // PGlite allows one process at a time; a second one would work on a copy of the files.
      const owner = await currentOwner(dir);
      if (owner) return { dbProblem: inUse(dir, owner, config) };
    }
  }
  try {
    return { db: await openDatabase(config.database, { migrate: false, poolMax: 2 }) };
  } catch (error) {
    if (error instanceof EmbeddedDatabaseInUse) return { dbProblem: inUse(error.dir, error.owner, config) };
    return {
      dbProblem: {
        status: "fail",
        message: `the database could not be opened: ${error instanceof Error ? error.message : String(error)}`,
        fix:
          config.database.kind === "postgres"
            ? "check DATABASE_URL"
            : "check PGLITE_DIR, and stop any other process that uses the same directory",
      },
    };
  }
}

/** Runs the doctor and resolves to the exit code. */
export async function doctorMain(io: DoctorIo): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.out(formatReport(configProblems(error), "baw booking doctor: the environment is invalid"));
    return 1;
  }
  const sandbox = config.stripe.sandbox && config.calendly.sandbox;
  const base = webhookBase(config);
  let fakeStripe: FakeStripe | undefined;
  let fakeCalendly: FakeCalendly | undefined;
  let db: Database | undefined;
  try {
    // The same fakes the service starts (plugins/providers.ts), on free ports so a running
    // service keeps its own; they deliver to where the service's fakes would.
    if (config.providerMode === "sandbox") {
      ({ stripe: fakeStripe, calendly: fakeCalendly } = await startSandbox(config, {
        ports: { stripe: 0, calendly: 0 },
        autoExpire: false,
      }));
    }
    if (base) fakeStripe?.setWebhookUrl(`${base}/webhooks/stripe`);
    if (base) fakeCalendly?.setWebhookUrl(`${base}/webhooks/calendly`);
    const stripe = createStripeClient({
      secretKey: config.stripe.secretKey,
      apiBase: fakeStripe?.url ?? config.stripe.apiBase,
      maxNetworkRetries: 1,
      timeoutMs: 10_000,
    });
    const calendly = createCalendlyClient({
      apiBase: fakeCalendly?.apiBase ?? config.calendly.apiBase,
      token: config.calendly.token,
      maxRetries: 1,
      timeoutMs: 8000,
    });
    const opened = await openForDoctor(config);
    db = opened.db;
    const results = await runDoctor({
      config,
      db,
      dbProblem: opened.dbProblem,
      calendly,
      stripe,
      sandbox: { stripeUrl: fakeStripe?.url, calendlyUrl: fakeCalendly?.url },
      fetch: io.fetch,
    });
    const title = sandbox
      ? "baw booking doctor — SANDBOX MODE: Stripe and Calendly are simulated; checking the in-process fakes, not real accounts"
      : `baw booking doctor — ${config.env}`;
    io.out(formatReport(results, title));
    return hasFailures(results) ? 1 : 0;
  } finally {
    await db?.close().catch(() => {});
    await Promise.all([fakeStripe?.close(), fakeCalendly?.close()]);
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  let code: number;
  try {
    code = await doctorMain({ out: (text) => process.stdout.write(`${text}\n`), env: process.env });
  } catch (error) {
    process.stderr.write(`doctor: crashed: ${error instanceof Error ? error.message : String(error)}\n`);
    code = 2;
  }
  process.exitCode = code;
  // Keep-alive sockets to the providers must not hold the process open.
  setTimeout(() => process.exit(code), 200).unref();
}
