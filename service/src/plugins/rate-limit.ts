// Rate limits per client: a verified partner key has a bucket of its own, everything else is
// limited by the client's address (behind TRUST_PROXY, the forwarded one). Redis-backed when
// REDIS_URL is set, so the limit holds across instances.
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { Redis } from "ioredis";
import type { Config } from "../config.js";
import { verifyRequestPartnerKey } from "./partner-auth.js";

/** Routes that are never limited, by the route matched (never by the URL string). */
const UNLIMITED = new Set(["/webhooks/stripe", "/webhooks/calendly", "/health", "/ready"]);

/**
 * The bucket a request counts against. Only a key that verifies earns its own; a made-up,
 * revoked or wrong key counts against the client's address, so guessing keys is limited too.
 */
export async function rateLimitKey(fastify: FastifyInstance, request: FastifyRequest): Promise<string> {
  if (request.headers.authorization?.includes("baw_sk_")) {
    try {
      const key = await verifyRequestPartnerKey(fastify.db.prisma, request);
      return `partner:${key.id}`;
    } catch {
      // Not a valid key: the address's bucket (the route answers the 401 itself).
    }
  }
  return `ip:${request.ip}`;
}

async function rateLimitPlugin(fastify: FastifyInstance, opts: { config: Config }) {
  const redis = opts.config.redisUrl
    ? new Redis(opts.config.redisUrl, { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  if (redis) {
    redis.on("error", (err) => fastify.log.warn({ err }, "redis error (rate limits fall back to allowing)"));
    fastify.addHook("onClose", async () => {
      redis.disconnect();
    });
    // Commands fail fast while Redis is not connected (no offline queue), and a failure lets the
    // request through: wait briefly for the connection so limits hold from the first request.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      redis.once("ready", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  await fastify.register(rateLimit, {
    // One hook for the whole app (below), so the limit runs before any route's own hooks,
    // partner authentication included.
    global: false,
    max: opts.config.rateLimit.max,
    timeWindow: opts.config.rateLimit.windowSeconds * 1000,
    ...(redis ? { redis, nameSpace: "baw-rl:" } : {}),
    skipOnError: true,
    // Browser traffic is limited per client address. The site key is not part of the bucket:
    // it is a header the client chooses, so a new key per request would mean a fresh bucket.
    keyGenerator: (request) => rateLimitKey(fastify, request),
    allowList: (request) => UNLIMITED.has(request.routeOptions.url ?? ""),
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      error: "rate_limited",
      message: `Too many requests: the limit is ${context.max} per ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s`,
      retryable: true,
    }),
  });
  fastify.addHook("onRequest", fastify.rateLimit());
}

export default fp(rateLimitPlugin, { name: "rate-limit", dependencies: ["database"] });
