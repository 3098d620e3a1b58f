// Applies the committed Prisma migrations and records them in `_prisma_migrations`
// exactly as `prisma migrate deploy` does (same table, checksum, lock), so production can
// use either path. Needed because the JS schema engine cannot migrate through adapter-pg
// (prisma/orm#27403) and the classic engine cannot be downloaded here.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "../config.js";

/** The smallest SQL surface the migrator needs; node-postgres and PGlite both fit it. */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs a multi-statement script. */
  exec(sql: string): Promise<void>;
}

export interface Migration {
  name: string;
  script: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

export const migrationsDir = path.join(repoRoot, "prisma", "migrations");

// Prisma's own advisory lock key for migrations, so both paths exclude each other.
const PRISMA_MIGRATE_LOCK = 72707369;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function checksum(script: string): string {
  return createHash("sha256").update(script).digest("hex");
}

export async function readMigrations(dir = migrationsDir): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const script = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, script, checksum: checksum(script) };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

let committed: Promise<Migration[]> | undefined;
/** The committed migrations, read once per process. */
export function committedMigrations(): Promise<Migration[]> {
  committed ??= readMigrations();
  return committed;
}

/** Names of committed migrations not yet applied (empty when the database is current). */
export async function pendingMigrations(db: SqlExecutor, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await committedMigrations());
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return all.map((m) => m.name);
  const done = await db.query<{ migration_name: string }>(
    `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const applied = new Set(done.rows.map((r) => r.migration_name));
  return all.filter((m) => !applied.has(m.name)).map((m) => m.name);
}

/**
 * Applies pending migrations in order, each in its own transaction. A failed migration is
 * recorded with its logs and blocks later runs, as Prisma's P3009 does.
 */
export async function migrate(db: SqlExecutor, migrations?: Migration[]): Promise<MigrationResult> {
  const all = migrations ?? (await committedMigrations());
  await db.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
  try {
    await db.exec(CREATE_TABLE);
    const rows = (
      await db.query<AppliedRow>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
      )
    ).rows;
    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        `migration ${failed.migration_name} failed earlier; resolve it (prisma migrate resolve) before migrating again`,
      );
    }
    const applied = new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
    const known = new Set(all.map((m) => m.name));
    const unknown = [...applied.keys()].filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new MigrationError(`the database has migrations this code does not know: ${unknown.join(", ")}`);
    }
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const m of all) {
      const row = applied.get(m.name);
      if (row) {
        if (row.checksum !== m.checksum) {
          throw new MigrationError(`migration ${m.name} was modified after it was applied (checksum differs)`);
        }
        result.alreadyApplied.push(m.name);
        continue;
      }
      const id = randomUUID();
      await db.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
        [id, m.checksum, m.name],
      );
      try {
        await db.exec(`BEGIN;\n${m.script}\n;COMMIT;`);
      } catch (error) {
        await db.exec("ROLLBACK").catch(() => {});
        const message = error instanceof Error ? error.message : String(error);
        await db.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]);
        throw new MigrationError(`migration ${m.name} failed: ${message}`);
      }
      await db.query(
        `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
        [id],
      );
      result.applied.push(m.name);
    }
    return result;
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]);
  }
}
