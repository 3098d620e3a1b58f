import { PGlite } from "@electric-sql/pglite";

try {
  const p = new PGlite(process.argv[2]);
  await p.waitReady;
  console.log(
    (
      await p.query(
        "select migration_name, checksum, logs, applied_steps_count, finished_at is not null as done from _prisma_migrations",
      )
    ).rows,
  );
  await p.close();
} catch (e) {
  console.log("ERR", String(e).slice(0, 200));
}
