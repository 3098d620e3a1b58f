import underPressure from "@fastify/under-pressure";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export default fp(
  async (
    fastify: FastifyInstance,
    opts: { maxEventLoopDelayMs: number; maxHeapUsedBytes: number; maxRssBytes: number },
  ) => {
    // 0 turns a check off, as @fastify/under-pressure reads it.
    await fastify.register(underPressure, {
      maxEventLoopDelay: opts.maxEventLoopDelayMs,
      maxHeapUsedBytes: opts.maxHeapUsedBytes,
      maxRssBytes: opts.maxRssBytes,
      retryAfter: 5,
      pressureHandler: (_req, reply, type, value) => {
        reply
          .code(503)
          .header("retry-after", "5")
          .send({
            statusCode: 503,
            error: "overloaded",
            message: `The service is under pressure (${type}: ${value}); retry shortly.`,
            retryable: true,
          });
      },
    });
  },
  { name: "under-pressure" },
);
