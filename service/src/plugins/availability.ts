// The instance's cache of Calendly's available times (domain/availability), with its hit, miss
// and shared-read counts on /metrics. With REDIS_URL set, an invalidation made here (a booking
// webhook, a booking made) is published, and the other instances' are applied here: a time booked
// through one instance leaves every instance's list at once, not after the TTL.
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Redis } from "ioredis";
import { Counter } from "prom-client";
import { AvailabilityCache, type Invalidation } from "../domain/availability/cache.js";

declare module "fastify" {
  interface FastifyInstance {
    availability: AvailabilityCache;
  }
}

export const INVALIDATION_CHANNEL = "baw:availability:invalidate";

/** Another instance's message, or null when it is not one (a foreign publisher on the channel). */
export function readInvalidation(raw: string, self: string): Invalidation | null {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!message || typeof message !== "object") return null;
  const m = message as { origin?: unknown; builderId?: unknown; event?: { event_type?: unknown } };
  if (typeof m.origin !== "string" || m.origin === self) return null;
  if (typeof m.builderId === "string") return { builderId: m.builderId };
  if (m.event && typeof m.event.event_type === "string") return { event: m.event as { event_type: string } };
  return null;
}

async function availability(fastify: FastifyInstance) {
  const lookups = new Counter({
    name: "baw_availability_cache_total",
    help: "Lookups of Calendly's available times and event types: hit (cached), shared (joined a read under way), miss (read from Calendly)",
    labelNames: ["cache", "lookup"] as const,
    registers: [fastify.metrics.registry],
  });
  const cache = new AvailabilityCache({
    ttlSeconds: fastify.config.payFirst.availabilityCacheSeconds,
    record: (cache, lookup) => lookups.inc({ cache, lookup }),
  });
  fastify.decorate("availability", cache);

  const url = fastify.config.redisUrl;
  if (!url) return;
  const peers = new Counter({
    name: "baw_availability_peer_invalidations_total",
    help: "Invalidations of available times published to (sent) or received from (received) the other instances",
    labelNames: ["direction"] as const,
    registers: [fastify.metrics.registry],
  });
  const options = { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false } as const;
  const publisher = new Redis(url, options);
  // A subscribed connection can do nothing else; it queues its subscription until connected.
  const subscriber = new Redis(url, { connectTimeout: 1000 });
  const self = randomUUID();
  for (const connection of [publisher, subscriber]) {
    connection.on("error", (err) =>
      fastify.log.warn({ err }, "redis error (available times are invalidated on this instance only meanwhile)"),
    );
  }
  fastify.addHook("onClose", async () => {
    cache.publish = undefined;
    publisher.disconnect();
    subscriber.disconnect();
  });
  subscriber.on("message", (_channel: string, raw: string) => {
    const invalidation = readInvalidation(raw, self);
    if (!invalidation) return;
    peers.inc({ direction: "received" });
    if ("builderId" in invalidation) cache.invalidateBuilder(invalidation.builderId, true);
    else cache.invalidateForEvent(invalidation.event, true);
  });
  cache.publish = (invalidation) => {
    peers.inc({ direction: "sent" });
    publisher.publish(INVALIDATION_CHANNEL, JSON.stringify({ origin: self, ...invalidation })).catch((err) => {
      fastify.log.warn({ err }, "could not tell the other instances of an invalidation; they catch up within the TTL");
    });
  };
  // Listening before the first request, when Redis answers; a Redis down does not stop the start.
  await Promise.race([
    subscriber.subscribe(INVALIDATION_CHANNEL).catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 2000).unref()),
  ]);
}

export default fp(availability, { name: "availability", dependencies: ["metrics"] });
