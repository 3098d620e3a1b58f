// The booking service as `npm start` builds it (service/dist), in its own process. The
// environment picks the database: DATABASE_URL (Postgres) or PGLITE_DIR (PGlite). The bench
// site is seeded so widget-style requests (site key + Origin) pass.

import { buildApp } from "../../dist/app.js";
import { loadConfig } from "../../dist/config.js";
import { openDatabase } from "../../dist/db/database.js";
import { seedDatabase } from "../../dist/db/seed.js";
import { serveChild } from "../lib/proc.mjs";
import { benchSite } from "../lib/site.mjs";

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

await app.listen({ host: "127.0.0.1", port: 0 });
serveChild({
  port: app.server.address().port,
  extra: { startupMs: performance.now() - started, database: db.kind },
  close: async () => {
    await app.close();
    await db.close();
  },
});
