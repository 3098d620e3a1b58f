// Rate limits per client (partner key, else the client's address). Redis-backed when REDIS_URL is
// set, so the limit holds across instances.
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Redis } from "ioredis";
import type { Config } from "../config.js";

async function rateLimitPlugin(fastify: FastifyInstance, opts: { config: Config }) {
  const redis = opts.config.redisUrl
    ? new Redis(opts.config.redisUrl, { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  if (redis) {
    redis.on("error", (err) => fastify.log.warn({ err }, "redis error (rate limits fall back to allowing)"));
    fastify.addHook("onClose", async () => {
      redis.disconnect();
    });
  }
  await fastify.register(rateLimit, {
    global: true,
    max: opts.config.rateLimit.max,
    timeWindow: opts.config.rateLimit.windowSeconds * 1000,
    ...(redis ? { redis, nameSpace: "baw-rl:" } : {}),
    skipOnError: true,
    // Browser traffic is limited per client address. The site key is not part of the bucket:
    // it is a header the client chooses, so a new key per request would mean a fresh bucket.
    keyGenerator: (req) => {
      const auth = req.headers.authorization;
      // The public part of a partner key (baw_sk_<prefix>), never its secret.
      if (auth?.startsWith("Bearer baw_sk_")) return `partner:${auth.slice(7, 22)}`;
      return `ip:${req.ip}`;
    },
    allowList: (req) => req.url.startsWith("/webhooks/") || req.url === "/health" || req.url === "/ready",
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      error: "rate_limited",
      message: `Too many requests: the limit is ${context.max} per ${context.after}; retry after ${Math.ceil(context.ttl / 1000)} s`,
      retryable: true,
    }),
  });
}

export default fp(rateLimitPlugin, { name: "rate-limit" });
