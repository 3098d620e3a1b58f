// The booking service as `npm start` builds it (service/dist), in its own process. The
// environment picks the database: DATABASE_URL (Postgres) or PGLITE_DIR (PGlite). The bench
// site is seeded so widget-style requests (site key + Origin) pass.
//
// BENCH_VARIANT=cached-config adds one bench-only route, /v1/bench-cached/builders/:id/booking-config,
// that answers from an in-memory copy of the real route's answer behind the same site check,
// CORS, helmet, rate limit, logging and response schema: the ceiling of caching booking-config.
// BENCH_VARIANT=lean-ingest adds the prototype of the webhook fix (servers/lean-ingest.mjs).
import { z } from "zod";
import { buildApp } from "../../dist/app.js";
import { loadConfig } from "../../dist/config.js";
import { openDatabase } from "../../dist/db/database.js";
import { seedDatabase } from "../../dist/db/seed.js";
import { requireSite } from "../../dist/plugins/sites.js";
import { BookingConfigSchema } from "../../dist/routes/builders.js";
import { serveChild } from "../lib/proc.mjs";
import { benchSite } from "../lib/site.mjs";
import { registerLeanIngest } from "./lean-ingest.mjs";

const started = performance.now();
const config = loadConfig(process.env);
const db = await openDatabase(config.database);
if (process.env.BENCH_SEED !== "0") await seedDatabase(db.prisma, { sites: [benchSite] });
// BENCH_LOGGER=off: the what-if of no request logging (buildApp's own test hook).
const app = await buildApp({
  config,
  db,
  sweeper: false,
  ...(process.env.BENCH_LOGGER === "off" ? { logger: false } : {}),
});

if (process.env.BENCH_VARIANT === "cached-config") {
  const cache = new Map();
  app.get(
    "/v1/bench-cached/builders/:idOrSlug/booking-config",
    {
      preHandler: requireSite({ optionalForServers: true }),
      schema: { params: z.object({ idOrSlug: z.string() }), response: { 200: BookingConfigSchema, 304: z.null() } },
    },
    async (request, reply) => {
      let hit = cache.get(request.params.idOrSlug);
      if (!hit) {
        const res = await app.inject({
          url: `/v1/builders/${encodeURIComponent(request.params.idOrSlug)}/booking-config`,
        });
        hit = { body: res.json(), etag: res.headers.etag };
        cache.set(request.params.idOrSlug, hit);
      }
      reply
        .header("etag", hit.etag)
        .header("cache-control", "private, max-age=0, must-revalidate")
        .header("vary", "Origin, X-Baw-Site-Key");
      if (request.headers["if-none-match"] === hit.etag) return reply.code(304).send(null);
      return hit.body;
    },
  );
}

if (process.env.BENCH_VARIANT === "lean-ingest") registerLeanIngest(app, process.env.DATABASE_URL);

await app.listen({ host: "127.0.0.1", port: 0 });
serveChild({
  port: app.server.address().port,
  extra: { startupMs: performance.now() - started, database: db.kind },
  close: async () => {
    await app.close();
    await db.close();
  },
});
