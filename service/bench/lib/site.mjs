// The embedding site the benchmarks present themselves as (a widget on https://bench.example).
export const benchSite = {
  name: "Bench marketplace",
  publishableKey: "pk_test_bench",
  allowedOrigins: ["https://bench.example"],
  returnUrlAllowlist: ["https://bench.example/book"],
};

export const widgetHeaders = {
  "x-baw-site-key": benchSite.publishableKey,
  origin: benchSite.allowedOrigins[0],
  accept: "application/json",
};

/**
 * Environment shared by every service child: quiet sandbox (its URLs added by startBenchSandbox),
 * rate limit out of the way. Not NODE_ENV=production, which refuses the sandbox; the service
 * reads NODE_ENV only at start-up.
 */
export const serviceEnv = {
  NODE_ENV: "development",
  PROVIDER_MODE: "sandbox",
  LOG_LEVEL: "info",
  // The limiter still runs on every request; only its ceiling is raised so load is not refused.
  RATE_LIMIT_MAX: "1000000000",
  BOOKING_TOKEN_SECRET: "bench-booking-token-secret-0123456789abcdef",
  REDIS_URL: "",
  DATABASE_URL: "",
};

/**
 * The sandbox's fakes, in this process, shared by every service child of the run (as a sandboxed
 * deployment runs them beside the service); their URLs go into serviceEnv.
 */
export async function startBenchSandbox() {
  const { startSandbox } = await import("@baw/sandbox");
  const { sandboxEventTypes } = await import("../../dist/cli/local-sandbox.js");
  const eventTypes = [...sandboxEventTypes, ...benchBuilders.map((b) => ({ ...sandboxEventTypes[0], ...b.eventType }))];
  const sandbox = await startSandbox({ stripe: {}, calendly: { eventTypes } });
  Object.assign(serviceEnv, sandbox.serviceEnv);
  return sandbox;
}

/**
 * Builders of the available-times section, each with an event type of its own on the sample
 * Calendly account (so the operator's token reads them all, as it reads Liam's).
 */
export const benchBuilders = Array.from({ length: 5 }, (_, i) => ({
  slug: `bench-builder-${i + 1}`,
  eventType: {
    eventTypeUuid: `b0b0b0b0-0000-4000-8000-00000000000${i + 1}`,
    slug: `bench-session-${i + 1}`,
    name: `Bench session ${i + 1}`,
    durationMinutes: 60,
  },
}));
