import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { checkReadiness } from "../db/database.js";

const health: FastifyPluginAsyncZod = async (fastify) => {
  fastify.get(
    "/health",
    {
      schema: {
        tags: ["ops"],
        summary: "Liveness: the process is up",
        response: { 200: z.object({ status: z.literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  fastify.get(
    "/ready",
    {
      schema: {
        tags: ["ops"],
        summary: "Readiness: the database is reachable and migrations are current",
        response: {
          200: z.object({
            status: z.enum(["ready", "not_ready"]),
            database: z.enum(["up", "down"]),
            databaseKind: z.enum(["pglite", "postgres"]),
            pendingMigrations: z.array(z.string()),
            sandbox: z.boolean(),
          }),
          503: z.object({
            status: z.enum(["ready", "not_ready"]),
            database: z.enum(["up", "down"]),
            databaseKind: z.enum(["pglite", "postgres"]),
            pendingMigrations: z.array(z.string()),
            sandbox: z.boolean(),
          }),
        },
      },
    },
    async (_request, reply) => {
      const readiness = await checkReadiness(fastify.db);
      if (!readiness.ok && readiness.error) fastify.log.warn({ error: readiness.error }, "not ready");
      return reply.code(readiness.ok ? 200 : 503).send({
        status: readiness.ok ? "ready" : "not_ready",
        database: readiness.database,
        databaseKind: fastify.db.kind,
        pendingMigrations: readiness.pendingMigrations,
        sandbox: fastify.providers.isSandbox,
      });
    },
  );
};

export default health;
