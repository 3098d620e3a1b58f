// Prometheus metrics: the booking funnel, webhook outcomes and provider calls, at /metrics.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export type FunnelStep =
  | "config_viewed"
  | "attempt_created"
  | "scheduled"
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

async function metricsPlugin(fastify: FastifyInstance) {
  const metrics = new Metrics();
  fastify.decorate("metrics", metrics);
  fastify.get(
    "/metrics",
    { schema: { tags: ["ops"], summary: "Prometheus metrics", hide: false } },
    async (_req, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}

export default fp(metricsPlugin, { name: "metrics" });
