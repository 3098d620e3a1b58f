// Configuration comes only from the environment, validated once at start-up.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseTokenKeys, type TokenKey } from "./lib/token-cipher.js";
import { CALENDLY_API_BASE, CALENDLY_AUTH_BASE, CALENDLY_SCHEDULING_ORIGIN } from "./providers/calendly-types.js";

/** The repository root (service/src/config.ts and service/dist/config.js are both two levels down). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "postgres:" || u.protocol === "postgresql:") && u.hostname !== "";
    } catch {
      return false;
    }
  }, "must be a postgres:// or postgresql:// URL with a host, e.g. postgres://user@127.0.0.1:5432/baw");

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL");

const boolFlag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

/** The four provider credentials, in the order problems name them. */
const CREDENTIALS = [
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "CALENDLY_TOKEN",
  "CALENDLY_WEBHOOK_SIGNING_KEY",
] as const;

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    // No default: the sandbox is only ever chosen on purpose, and unset means live.
    PROVIDER_MODE: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z.enum(["sandbox", "live"], { message: "must be sandbox or live" }).optional(),
    ),
    HOST: z.string().trim().min(1).default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    TRUST_PROXY: boolFlag,
    DATABASE_URL: postgresUrl.optional().or(z.literal("").transform(() => undefined)),
    PGLITE_DIR: optionalString,
    REDIS_URL: z
      .string()
      .trim()
      .regex(/^rediss?:\/\/.+/, "must be a redis:// or rediss:// URL")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    PUBLIC_URL: httpUrl.optional().or(z.literal("").transform(() => undefined)),
    APP_URL: httpUrl.optional().or(z.literal("").transform(() => undefined)),
    STRIPE_SECRET_KEY: z
      .string()
      .trim()
      .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, "must look like sk_test_… or sk_live_…")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .trim()
      .regex(/^whsec_[A-Za-z0-9]+$/, "must look like whsec_…")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    CALENDLY_TOKEN: optionalString,
    CALENDLY_WEBHOOK_SIGNING_KEY: optionalString,
    CALENDLY_API_BASE: httpUrl.optional().or(z.literal("").transform(() => undefined)),
    STRIPE_API_BASE: z
      .string()
      .trim()
      .refine((v) => {
        try {
          const u = new URL(v);
          return (u.protocol === "http:" || u.protocol === "https:") && `${u.origin}/` === u.href;
        } catch {
          return false;
        }
      }, "must be an http(s) origin without a path, e.g. http://127.0.0.1:4242")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    CALENDLY_ORIGIN: httpUrl.optional().or(z.literal("").transform(() => undefined)),
    CALENDLY_AUTH_BASE: httpUrl.optional().or(z.literal("").transform(() => undefined)),
    CALENDLY_OAUTH_CLIENT_ID: optionalString,
    CALENDLY_OAUTH_CLIENT_SECRET: optionalString,
    CALENDLY_OAUTH_REDIRECT_URI: httpUrl.optional().or(z.literal("").transform(() => undefined)),
    CALENDLY_TOKEN_ENCRYPTION_KEYS: optionalString,
    CALENDLY_HEALTH_INTERVAL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
    HOLD_MINUTES: z.coerce.number().int().min(31).max(1440).default(35),
    AVAILABILITY_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
    PAY_FIRST_REBOOK_MINUTES: z.coerce.number().int().min(5).max(10_080).default(30),
    CALENDLY_SCHEDULING_LIMITS: z
      .string()
      .regex(/^\d+\/\d+\/\d+$/, "must be per-minute/per-hour/per-day counts, e.g. 10/50/100")
      .default("10/50/100"),
    SANDBOX_HOLD_SECONDS: z.coerce.number().int().min(5).max(86_400).optional(),
    SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    BOOKING_TOKEN_SECRET: z
      .string()
      .trim()
      .min(32, "must be at least 32 characters")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    CONFIG_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
    MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).default(1000),
    MAX_HEAP_USED_BYTES: z.coerce.number().int().min(0).default(1_500_000_000),
    MAX_RSS_BYTES: z.coerce.number().int().min(0).default(2_000_000_000),
    RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(120),
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
    METRICS_TOKEN: z
      .string()
      .trim()
      .min(32, "must be at least 32 characters")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    PAYOUTS_MODE: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z
        .enum(["single-merchant", "connect"], {
          message: "must be single-merchant (every payment stays on the platform's account) or connect",
        })
        .default("single-merchant"),
    ),
    STRIPE_CONNECT_WEBHOOK_SECRET: z
      .string()
      .trim()
      .regex(/^whsec_\w+$/, "must look like whsec_…")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    PLATFORM_FEE_PERCENT_BPS: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z.coerce
        .number({ message: "must be a whole number of basis points (1000 = 10 %)" })
        .int("must be a whole number of basis points (1000 = 10 %)")
        .min(0, "must be 0 or more")
        .max(10_000, "must be at most 10000 (100 %)")
        .default(0),
    ),
    PLATFORM_FEE_FIXED_AMOUNT: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z.coerce
        .number({ message: "must be a whole amount in minor units (e.g. 30 = 0.30)" })
        .int("must be a whole amount in minor units (e.g. 30 = 0.30)")
        .min(0, "must be 0 or more")
        .max(100_000_000, "must be at most 100000000")
        .default(0),
    ),
    PLATFORM_FEE_ON_REFUND: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z.enum(["return", "keep"], { message: "must be return or keep" }).default("return"),
    ),
    CHECKOUT_INVOICE_CREATION: boolFlag,
    WEBHOOK_LOCK_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
    SIDE_EFFECT_CLAIM_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && env.SANDBOX_HOLD_SECONDS) {
      ctx.addIssue({ code: "custom", path: ["SANDBOX_HOLD_SECONDS"], message: "is for the sandbox only" });
    }
    // Every page view would then ask Calendly, spending the builders' per-user rate limit.
    if (env.NODE_ENV === "production" && env.AVAILABILITY_CACHE_SECONDS < 10) {
      ctx.addIssue({
        code: "custom",
        path: ["AVAILABILITY_CACHE_SECONDS"],
        message: "must be at least 10 in production, or page views spend the builders' Calendly rate limit",
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

/** What the provider mode requires of the credentials and of the booking-token secret. */
function providerProblems(env: Env): string[] {
  const problems: string[] = [];
  const live = (env.PROVIDER_MODE ?? "live") === "live";
  const oauth = Boolean(env.CALENDLY_OAUTH_CLIENT_ID && env.CALENDLY_OAUTH_CLIENT_SECRET);
  if (Boolean(env.CALENDLY_OAUTH_CLIENT_ID) !== Boolean(env.CALENDLY_OAUTH_CLIENT_SECRET)) {
    problems.push("CALENDLY_OAUTH_CLIENT_ID and CALENDLY_OAUTH_CLIENT_SECRET are set together or not at all");
  }
  if (env.CALENDLY_TOKEN_ENCRYPTION_KEYS) {
    for (const p of parseTokenKeys(env.CALENDLY_TOKEN_ENCRYPTION_KEYS).problems) {
      problems.push(`CALENDLY_TOKEN_ENCRYPTION_KEYS ${p}`);
    }
  } else if (oauth && (live || env.NODE_ENV === "production")) {
    problems.push(
      "CALENDLY_TOKEN_ENCRYPTION_KEYS is required with Calendly OAuth: builders' tokens are stored encrypted under it",
    );
  }
  if (oauth && live && !env.PUBLIC_URL) {
    problems.push(
      "PUBLIC_URL is required with Calendly OAuth: the redirect URI and each builder's webhook subscription are built on it",
    );
  }
  if (live) {
    for (const name of CREDENTIALS) {
      if (env[name]) continue;
      // With OAuth, each builder brings their own token: the operator's own is optional.
      if (name === "CALENDLY_TOKEN" && oauth) continue;
      problems.push(
        env.PROVIDER_MODE
          ? `${name} is required with PROVIDER_MODE=live`
          : `${name} is required: PROVIDER_MODE is unset, which means live (PROVIDER_MODE=sandbox uses the sandbox's fakes)`,
      );
    }
  } else {
    const pair = (a: (typeof CREDENTIALS)[number], b: (typeof CREDENTIALS)[number]) => {
      if (env[a] && !env[b]) problems.push(`${b} is required when ${a} is set`);
    };
    pair("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET");
    pair("STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY");
    pair("CALENDLY_TOKEN", "CALENDLY_WEBHOOK_SIGNING_KEY");
    pair("CALENDLY_WEBHOOK_SIGNING_KEY", "CALENDLY_TOKEN");
    // A provider left to the sandbox is reached where the sandbox runs: the service never starts one.
    const where = "where the sandbox runs (npm run sandbox prints it)";
    if (!env.STRIPE_SECRET_KEY && !env.STRIPE_API_BASE) {
      problems.push(`STRIPE_API_BASE is required with PROVIDER_MODE=sandbox and no Stripe key: ${where}`);
    }
    if (!env.CALENDLY_TOKEN) {
      if (oauth && !env.CALENDLY_AUTH_BASE) {
        problems.push(`CALENDLY_AUTH_BASE is required with PROVIDER_MODE=sandbox and an OAuth client: ${where}`);
      }
      for (const name of ["CALENDLY_API_BASE", "CALENDLY_ORIGIN"] as const) {
        if (!env[name]) problems.push(`${name} is required with PROVIDER_MODE=sandbox and no Calendly token: ${where}`);
      }
    }
  }
  if (env.PAYOUTS_MODE === "connect" && !env.STRIPE_CONNECT_WEBHOOK_SECRET && (live || env.STRIPE_SECRET_KEY)) {
    problems.push(
      "STRIPE_CONNECT_WEBHOOK_SECRET is required with PAYOUTS_MODE=connect: the signing secret of the Connect webhook endpoint <PUBLIC_URL>/webhooks/stripe/connect",
    );
  }
  if (env.NODE_ENV === "production" && env.PROVIDER_MODE === "sandbox") {
    problems.push("PROVIDER_MODE must be live in production: the sandbox takes no real payments");
  }
  // The development secret is public: anything that can touch a real provider needs its own.
  if (!env.BOOKING_TOKEN_SECRET) {
    if (env.NODE_ENV === "production") problems.push("BOOKING_TOKEN_SECRET is required in production");
    else if (live || CREDENTIALS.some((name) => env[name])) {
      problems.push("BOOKING_TOKEN_SECRET is required with real provider credentials");
    }
  }
  return problems;
}

export interface LoadConfigOptions {
  /**
   * false for tools that never call a provider nor sign a booking token (migrations, the admin
   * CLI): the provider mode's requirements are not checked.
   */
  providers?: boolean;
}

export interface Config {
  env: Env["NODE_ENV"];
  /**
   * sandbox: a provider without credentials is one of the sandbox's fakes, reached at its
   * configured base URL with the sandbox's keys; live: every provider is real.
   */
  providerMode: "sandbox" | "live";
  host: string;
  port: number;
  logLevel: Env["LOG_LEVEL"];
  trustProxy: boolean;
  database: { kind: "postgres"; url: string } | { kind: "pglite"; dir: string };
  redisUrl?: string;
  /** Public base URL of this service (webhook endpoints are documented relative to it). */
  publicUrl?: string;
  /** Public URL of the marketplace app, the default return page for checkout. */
  appUrl?: string;
  stripe: {
    sandbox: boolean;
    secretKey: string;
    webhookSecret: string;
    /** Signing secret of the Connect endpoint (/webhooks/stripe/connect); "" when Connect is off and none is set. */
    connectWebhookSecret: string;
    apiBase?: string;
  };
  /** How builders are paid: see docs/CONFIGURATION.md, "Paying builders". */
  payouts: PayoutsConfig;
  /** Checkout options the operator turns on. */
  checkout: { invoiceCreation: boolean };
  calendly: {
    sandbox: boolean;
    token: string;
    webhookSigningKey: string;
    apiBase: string;
    origin: string;
    /** Builders connect their own Calendly through this OAuth app; absent: the token set-up only. */
    oauth?: {
      clientId: string;
      clientSecret: string;
      /** https://auth.calendly.com, or the sandbox's. */
      authBase: string;
      /** Unset: `${PUBLIC_URL}/oauth/calendly/callback` (sandbox: the service's own address). */
      redirectUri?: string;
    };
    /** Encrypt builders' tokens at rest; the first encrypts, all decrypt. */
    tokenKeys: TokenKey[];
    /** How often connections are checked (webhook subscriptions recreated, revoked tokens found). */
    healthIntervalSeconds: number;
  };
  /** How long an unpaid booking holds its slot. */
  holdSeconds: number;
  /** Pay first, then book: see docs/CONFIGURATION.md, "Pay first". */
  payFirst: {
    /** How long each instance reuses a builder's available times read from Calendly (0: never). */
    availabilityCacheSeconds: number;
    /** How long a paid visitor whose slot was taken may pick another time before the full refund. */
    rebookSeconds: number;
    /** Calendly's Scheduling API limits per builder (their Calendly user); pay-first stops before them. */
    schedulingLimits: { perMinute: number; perHour: number; perDay: number };
  };
  sweepIntervalSeconds: number;
  /** Signs the capability tokens that let a visitor read their booking. */
  bookingTokenSecret: string;
  rateLimit: { max: number; windowSeconds: number };
  /** Bearer token /metrics requires; without one /metrics is not served. */
  metricsToken?: string;
  /** How long each instance reuses a builder's booking config (0: never). */
  configCacheSeconds: number;
  /** Event-loop delay above which requests get 503 (0 turns the check off). */
  maxEventLoopDelayMs: number;
  /** Heap in use and resident memory above which requests get 503 (0 turns each check off). */
  maxHeapUsedBytes: number;
  maxRssBytes: number;
  /**
   * After these, a webhook event's processing lock and a side effect's claim count as abandoned
   * (their worker died) and another worker may take them over.
   */
  timeouts: { webhookLockMs: number; sideEffectClaimMs: number };
}

export interface PayoutsConfig {
  /**
   * single-merchant: every payment stays on the platform's Stripe account (no Connect); connect:
   * each payment is a destination charge to the builder's connected account, less the platform fee.
   */
  mode: "single-merchant" | "connect";
  /** The platform fee unless a builder has an override: basis points of the price plus a fixed amount. */
  defaultFee: { percentBps: number; fixedAmount: number };
  /** Whether a refund by the builder's policy (a customer's cancellation) also returns the platform fee. */
  feeOnRefund: "return" | "keep";
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Sandbox credentials: the sandbox's fakes (@baw/sandbox) accept exactly these by default. */
export const sandboxSecrets = {
  stripeSecretKey: "sk_test_sandbox",
  stripeWebhookSecret: "whsec_sandbox",
  calendlyToken: "calendly-sandbox-token",
  calendlyWebhookSigningKey: "calendly-sandbox-signing-key",
  stripeConnectWebhookSecret: "whsec_sandbox_connect",
} as const;

/**
 * The token-encryption key a sandboxed service uses when none is configured: public, so refused
 * wherever a real Calendly account could be connected.
 */
export const developmentTokenKey: TokenKey = {
  id: "dev",
  key: Buffer.from("baw-development-token-key-32byte", "utf8"),
};

/** The booking-token secret used in the sandbox when none is configured; refused with any real provider. */
export const developmentBookingTokenSecret = "baw-development-booking-token-secret-not-for-production";

export function loadConfig(source: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "environment"} ${i.message}`));
  }
  const env = parsed.data;
  const problems = options.providers === false ? [] : providerProblems(env);
  if (problems.length > 0) throw new ConfigError(problems);
  const providerMode = env.PROVIDER_MODE ?? "live";
  // Live mode has every credential (checked above); sandbox mode fakes the providers left without.
  const stripeSandbox = providerMode === "sandbox" && !env.STRIPE_SECRET_KEY;
  const calendlySandbox = providerMode === "sandbox" && !env.CALENDLY_TOKEN;
  const orSandbox = (value: string | undefined, sandboxValue: string, sandbox: boolean) =>
    value ?? (sandbox ? sandboxValue : "");
  const holdSeconds = env.SANDBOX_HOLD_SECONDS && stripeSandbox ? env.SANDBOX_HOLD_SECONDS : env.HOLD_MINUTES * 60;
  return {
    env: env.NODE_ENV,
    providerMode,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    database: env.DATABASE_URL
      ? { kind: "postgres", url: env.DATABASE_URL }
      : { kind: "pglite", dir: env.PGLITE_DIR ?? path.join(repoRoot, ".data", "pglite") },
    redisUrl: env.REDIS_URL,
    publicUrl: env.PUBLIC_URL,
    appUrl: env.APP_URL,
    stripe: {
      sandbox: stripeSandbox,
      secretKey: orSandbox(env.STRIPE_SECRET_KEY, sandboxSecrets.stripeSecretKey, stripeSandbox),
      webhookSecret: orSandbox(env.STRIPE_WEBHOOK_SECRET, sandboxSecrets.stripeWebhookSecret, stripeSandbox),
      connectWebhookSecret: orSandbox(
        env.STRIPE_CONNECT_WEBHOOK_SECRET,
        sandboxSecrets.stripeConnectWebhookSecret,
        stripeSandbox,
      ),
      apiBase: env.STRIPE_API_BASE,
    },
    payouts: {
      mode: env.PAYOUTS_MODE,
      defaultFee: { percentBps: env.PLATFORM_FEE_PERCENT_BPS, fixedAmount: env.PLATFORM_FEE_FIXED_AMOUNT },
      feeOnRefund: env.PLATFORM_FEE_ON_REFUND,
    },
    checkout: { invoiceCreation: env.CHECKOUT_INVOICE_CREATION },
    calendly: {
      sandbox: calendlySandbox,
      token: orSandbox(env.CALENDLY_TOKEN, sandboxSecrets.calendlyToken, calendlySandbox),
      webhookSigningKey: orSandbox(
        env.CALENDLY_WEBHOOK_SIGNING_KEY,
        sandboxSecrets.calendlyWebhookSigningKey,
        calendlySandbox,
      ),
      apiBase: env.CALENDLY_API_BASE ?? CALENDLY_API_BASE,
      origin: new URL(env.CALENDLY_ORIGIN ?? CALENDLY_SCHEDULING_ORIGIN).origin,
      ...(env.CALENDLY_OAUTH_CLIENT_ID && env.CALENDLY_OAUTH_CLIENT_SECRET
        ? {
            oauth: {
              clientId: env.CALENDLY_OAUTH_CLIENT_ID,
              clientSecret: env.CALENDLY_OAUTH_CLIENT_SECRET,
              authBase: (env.CALENDLY_AUTH_BASE ?? CALENDLY_AUTH_BASE).replace(/\/+$/, ""),
              ...(env.CALENDLY_OAUTH_REDIRECT_URI ? { redirectUri: env.CALENDLY_OAUTH_REDIRECT_URI } : {}),
            },
          }
        : {}),
      tokenKeys: env.CALENDLY_TOKEN_ENCRYPTION_KEYS
        ? parseTokenKeys(env.CALENDLY_TOKEN_ENCRYPTION_KEYS).keys
        : [developmentTokenKey],
      healthIntervalSeconds: env.CALENDLY_HEALTH_INTERVAL_SECONDS,
    },
    holdSeconds,
    payFirst: {
      availabilityCacheSeconds: env.AVAILABILITY_CACHE_SECONDS,
      rebookSeconds: env.PAY_FIRST_REBOOK_MINUTES * 60,
      schedulingLimits: (([perMinute, perHour, perDay]) => ({ perMinute, perHour, perDay }))(
        env.CALENDLY_SCHEDULING_LIMITS.split("/").map(Number) as [number, number, number],
      ),
    },
    sweepIntervalSeconds: env.SWEEP_INTERVAL_SECONDS,
    bookingTokenSecret: env.BOOKING_TOKEN_SECRET ?? developmentBookingTokenSecret,
    rateLimit: { max: env.RATE_LIMIT_MAX, windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS },
    metricsToken: env.METRICS_TOKEN,
    maxEventLoopDelayMs: env.MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: env.MAX_HEAP_USED_BYTES,
    maxRssBytes: env.MAX_RSS_BYTES,
    configCacheSeconds: env.CONFIG_CACHE_SECONDS,
    timeouts: { webhookLockMs: env.WEBHOOK_LOCK_TIMEOUT_MS, sideEffectClaimMs: env.SIDE_EFFECT_CLAIM_TIMEOUT_MS },
  };
}
