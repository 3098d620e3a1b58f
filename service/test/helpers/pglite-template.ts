// A migrated, empty in-memory PGlite as a data-directory dump, so each test database loads it
// instead of creating a cluster and applying every migration (several times slower). Made once
// per set of migrations and kept in .tap/ for the other test processes of the run and later runs.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { committedMigrations, migrate } from "../../src/db/migrate.js";

const cacheDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", ".tap", "pglite-templates");
let template: Promise<Blob> | undefined;

async function make(file: string): Promise<Blob> {
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    // Not made yet.
  }
  const pglite = new PGlite("memory://");
  try {
    await migrate({
      query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pglite.query<T>(sql, params)).rows }),
      exec: async (sql: string) => {
        await pglite.exec(sql);
      },
    });
    const dump = await pglite.dumpDataDir("none");
    mkdirSync(cacheDir, { recursive: true });
    // Written aside and renamed: a test process reading it meanwhile never sees half a file.
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
    return dump;
  } finally {
    await pglite.close();
  }
}

/** The dump of an empty database with every committed migration applied. */
export function migratedTemplate(): Promise<Blob> {
  template ??= committedMigrations().then((migrations) => {
    const key = createHash("sha256")
      .update(migrations.map((m) => `${m.name}:${m.checksum}`).join("\n"))
      .digest("hex")
      .slice(0, 16);
    return make(path.join(cacheDir, `${key}.tar`));
  });
  return template;
}
