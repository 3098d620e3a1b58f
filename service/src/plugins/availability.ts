// The instance's cache of Calendly's available times (domain/availability), with its hit, miss
// and shared-read counts on /metrics.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Counter } from "prom-client";
import { AvailabilityCache } from "../domain/availability/cache.js";

declare module "fastify" {
  interface FastifyInstance {
    availability: AvailabilityCache;
  }
}

async function availability(fastify: FastifyInstance) {
  const lookups = new Counter({
    name: "baw_availability_cache_total",
    help: "Lookups of Calendly's available times and event types: hit (cached), shared (joined a read under way), miss (read from Calendly)",
    labelNames: ["cache", "lookup"] as const,
    registers: [fastify.metrics.registry],
  });
  fastify.decorate(
    "availability",
    new AvailabilityCache({
      ttlSeconds: fastify.config.payFirst.availabilityCacheSeconds,
      record: (cache, lookup) => lookups.inc({ cache, lookup }),
    }),
  );
}

export default fp(availability, { name: "availability", dependencies: ["metrics"] });
