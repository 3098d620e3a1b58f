// A bare node process (the footprint baseline) or one that has opened and migrated PGlite.
import { serveChild } from "../lib/proc.mjs";

const started = performance.now();
let close;
if (process.env.BENCH_PGLITE_DIR) {
  const { openDatabase } = await import("../../dist/db/database.js");
  const db = await openDatabase({ kind: "pglite", dir: process.env.BENCH_PGLITE_DIR });
  await db.sql.query('SELECT count(*) FROM "Builder"');
  close = () => db.close();
}
globalThis.gc?.();
serveChild({ port: 0, extra: { startupMs: performance.now() - started }, close });
