// `npm run doctor`: checks a deployment's configuration end to end (environment, database,
// Calendly, Stripe, sites, the running service) and prints a checklist. Every ✖ line names its
// fix. Exit codes: 0 nothing wrong (warnings allowed), 1 something is wrong, 2 the doctor crashed.
//
// In sandbox mode it checks the sandbox's fakes at the configured base URLs (those of
// `npm run sandbox`, say); when none are configured it starts its own, on free ports, and checks
// those instead of real accounts. It never writes to the database or to a provider.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type Config, ConfigError, loadConfig } from "../config.js";
import { type Database, openDatabase } from "../db/database.js";
import { currentOwner, EmbeddedDatabaseInUse, type OwnerRecord } from "../db/embedded-owner.js";
import { createCalendlyClient } from "../providers/calendly.js";
import { createStripeClient } from "../providers/stripe.js";
import {
  type CheckResult,
  type DoctorInput,
  formatReport,
  hasFailures,
  runDoctor,
  webhookBase,
} from "./doctor-checks.js";
import { startLocalSandbox } from "./local-sandbox.js";

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
  CALENDLY_API_BASE:
    "unset CALENDLY_API_BASE (default https://api.calendly.com), or in the sandbox set it to the fake's (npm run sandbox prints it)",
  CALENDLY_ORIGIN:
    "unset CALENDLY_ORIGIN (default https://calendly.com), or in the sandbox set it to the fake's (npm run sandbox prints it)",
  STRIPE_API_BASE: "in the sandbox, set STRIPE_API_BASE to the fake Stripe's URL (npm run sandbox prints it)",
  HOLD_MINUTES: "set HOLD_MINUTES between 31 and 1440 (Stripe Checkout lives 30 min to 24 h)",
  SANDBOX_HOLD_SECONDS: "unset SANDBOX_HOLD_SECONDS (it is for the sandbox only)",
  SWEEP_INTERVAL_SECONDS: "set SWEEP_INTERVAL_SECONDS between 1 and 3600",
  PROVIDER_MODE:
    "set PROVIDER_MODE=live with every credential, or PROVIDER_MODE=sandbox (never in production) for the local fakes",
  METRICS_TOKEN: "set METRICS_TOKEN to 32+ random characters, e.g. `openssl rand -hex 32`",
  BOOKING_TOKEN_SECRET: "set BOOKING_TOKEN_SECRET to 32+ random characters, e.g. `openssl rand -base64 48`",
  MAX_EVENT_LOOP_DELAY_MS: "set MAX_EVENT_LOOP_DELAY_MS to milliseconds (0 turns the check off)",
  MAX_HEAP_USED_BYTES: "set MAX_HEAP_USED_BYTES to a number of bytes (0 turns the check off)",
  MAX_RSS_BYTES: "set MAX_RSS_BYTES to a number of bytes (0 turns the check off)",
  RATE_LIMIT_MAX: "set RATE_LIMIT_MAX to a positive integer",
  RATE_LIMIT_WINDOW_SECONDS: "set RATE_LIMIT_WINDOW_SECONDS to a positive integer",
  PAYOUTS_MODE: "set PAYOUTS_MODE to single-merchant (the default) or connect",
  STRIPE_CONNECT_WEBHOOK_SECRET:
    "copy the Connect endpoint's signing secret (whsec_…) from Stripe Dashboard → Developers → Webhooks",
  PLATFORM_FEE_PERCENT_BPS: "set PLATFORM_FEE_PERCENT_BPS to basis points between 0 and 10000 (1000 = 10 %)",
  PLATFORM_FEE_FIXED_AMOUNT: "set PLATFORM_FEE_FIXED_AMOUNT to whole minor units, e.g. 30 for 0.30",
  PLATFORM_FEE_ON_REFUND: "set PLATFORM_FEE_ON_REFUND to return (the default) or keep",
  CHECKOUT_INVOICE_CREATION: "set CHECKOUT_INVOICE_CREATION to true or false",
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
  const env = { ...io.env };
  // Checks the sandbox the environment points at, or one of its own when it points at none.
  const own = await startLocalSandbox(env, { autoExpire: false });
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    await own?.close();
    if (!(error instanceof ConfigError)) throw error;
    io.out(formatReport(configProblems(error), "baw booking doctor: the environment is invalid"));
    return 1;
  }
  const sandbox = config.stripe.sandbox && config.calendly.sandbox;
  const base = webhookBase(config);
  let db: Database | undefined;
  try {
    // The doctor's own fakes deliver to where the service expects its sandbox's webhooks.
    if (base) own?.deliverTo(base);
    const stripe = createStripeClient({
      secretKey: config.stripe.secretKey,
      apiBase: config.stripe.apiBase,
      maxNetworkRetries: 1,
      timeoutMs: 10_000,
    });
    const calendly = createCalendlyClient({
      apiBase: config.calendly.apiBase,
      // OAuth only: the operator's checks are skipped, so this client is never called.
      token: config.calendly.token || "unset",
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
      sandbox: {
        own: { stripe: Boolean(own?.stripe), calendly: Boolean(own?.calendly) },
        stripeUrl: config.stripe.sandbox ? config.stripe.apiBase : undefined,
        calendlyUrl: config.calendly.sandbox ? config.calendly.origin : undefined,
      },
      fetch: io.fetch,
    });
    const title = sandbox
      ? "baw booking doctor — SANDBOX MODE: Stripe and Calendly are simulated; checking the sandbox's fakes, not real accounts"
      : `baw booking doctor — ${config.env}`;
    io.out(formatReport(results, title));
    return hasFailures(results) ? 1 : 0;
  } finally {
    await db?.close().catch(() => {});
    await own?.close();
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
