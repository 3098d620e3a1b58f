import { developmentBookingTokenSecret } from "../config.js";
import { DOCS, type DoctorInput, errorText, isLocalHost, type Report } from "./doctor-report.js";

export function configurationChecks(r: Report, input: DoctorInput, base: string | undefined): void {
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

export async function redisCheck(r: Report, input: DoctorInput): Promise<void> {
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
