// Prometheus metrics: the booking funnel, webhook outcomes and provider calls, at /metrics for
// scrapers that present METRICS_TOKEN as a bearer token.
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { bearerToken } from "../domain/partner-keys.js";
import { AppError, unauthorized } from "../lib/errors.js";
import { matchesHash, sha256 } from "../lib/ids.js";

export type FunnelStep =
  | "config_viewed"
  | "attempt_created"
  | "scheduled"
  | "reserved"
  | "booked_in_calendly"
  | "slot_taken"
  | "checkout_created"
  | "paid"
  | "expired"
  | "failed"
  | "cancelled"
  | "refunded";

export class Metrics {
  readonly registry = new Registry();
  readonly funnel = new Counter({
    name: "baw_funnel_total",
    help: "Bookings reaching each step of the funnel",
    labelNames: ["step"] as const,
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: "baw_webhooks_total",
    help: "Webhook deliveries by provider, event type and result",
    labelNames: ["provider", "type", "result"] as const,
    registers: [this.registry],
  });
  readonly rescheduleConflicts = new Counter({
    name: "baw_reschedule_conflicts_total",
    help: "Reschedules onto a slot another booking holds CONFIRMED; the rescheduled booking was cancelled and refunded",
    registers: [this.registry],
  });
  readonly calendlyRefreshes = new Counter({
    name: "baw_calendly_token_refreshes_total",
    help: "Refreshes of builders' Calendly OAuth tokens, by outcome (ok, rejected: the builder is disconnected)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly calendlyDisconnections = new Counter({
    name: "baw_calendly_disconnections_total",
    help: "Builders' Calendly connections lost, by reason (refresh_rejected, token_revoked, disconnected_by_partner)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly calendlyConnections = new Gauge({
    name: "baw_calendly_connections",
    help: "Builders' Calendly connections by status (connected, disconnected), as the last health check found them",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly calendlySubscriptionsRecreated = new Counter({
    name: "baw_calendly_webhook_subscriptions_recreated_total",
    help: "Builders' Calendly webhook subscriptions the health check found disabled or missing and created again",
    registers: [this.registry],
  });
  /** Marketplace mode: what Stripe reported about builders' payout accounts that needs the operator. */
  readonly payoutFlags = new Counter({
    name: "baw_payout_flags_total",
    help: "Connect events that flag a builder: restricted, deauthorized, payout_failed",
    labelNames: ["flag"] as const,
    registers: [this.registry],
  });
  /** Reads the payout accounts per status at scrape time (set once the database is there). */
  payoutAccountCounts?: () => Promise<{ status: string; count: number }[]>;
  readonly payoutAccounts = new Gauge({
    name: "baw_payout_accounts",
    help: "Builders' payout accounts by status (marketplace mode); payout_failed counts accounts whose last payout failed",
    labelNames: ["status"] as const,
    registers: [this.registry],
    collect: async () => {
      if (!this.payoutAccountCounts) return;
      this.payoutAccounts.reset();
      for (const { status, count } of await this.payoutAccountCounts()) this.payoutAccounts.set({ status }, count);
    },
  });
  readonly providerCalls = new Histogram({
    name: "baw_provider_call_seconds",
    help: "Latency of calls to Stripe and Calendly",
    labelNames: ["provider", "operation", "outcome"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: "baw_" });
  }

  step(step: FunnelStep): void {
    this.funnel.inc({ step });
  }

  /** Times a provider call and records its outcome. */
  async time<T>(provider: "stripe" | "calendly", operation: string, call: () => Promise<T>): Promise<T> {
    const end = this.providerCalls.startTimer({ provider, operation });
    try {
      const result = await call();
      end({ outcome: "ok" });
      return result;
    } catch (error) {
      end({ outcome: "error" });
      throw error;
    }
  }
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export interface MetricsOptions {
  /** The bearer token scrapers present; without one /metrics answers 404. */
  token?: string;
}

/** Checks the scraper's bearer token in constant time. */
function scraperCheck(token: string | undefined) {
  const expected = token ? sha256(token) : undefined;
  return async (request: FastifyRequest) => {
    if (!expected) {
      throw new AppError(404, "metrics_disabled", "/metrics is off: set METRICS_TOKEN to serve it to a scraper");
    }
    const given = bearerToken(request.headers.authorization);
    if (!given || !matchesHash(given, expected)) {
      throw unauthorized(
        "metrics_token_invalid",
        "Authorization: /metrics requires Authorization: Bearer <METRICS_TOKEN>",
      );
    }
  };
}

async function metricsPlugin(fastify: FastifyInstance, opts: MetricsOptions) {
  const metrics = new Metrics();
  fastify.decorate("metrics", metrics);
  fastify.get(
    "/metrics",
    {
      onRequest: scraperCheck(opts.token),
      schema: { tags: ["ops"], summary: "Prometheus metrics (Authorization: Bearer <METRICS_TOKEN>)", hide: false },
    },
    async (_req, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}

export default fp(metricsPlugin, { name: "metrics" });
