import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import t from "tap";
import { migratePostgres } from "../src/db/database.js";
import {
  checksum,
  MigrationError,
  migrate,
  pendingMigrations,
  readMigrations,
  type SqlExecutor,
} from "../src/db/migrate.js";
import { freshDatabase } from "./helpers/postgres.js";

const run = promisify(execFile);
/** The Prisma CLI itself, without npx's package lookup before each run. */
const PRISMA = fileURLToPath(new URL("../../node_modules/.bin/prisma", import.meta.url));

function pgliteSql(db: PGlite): SqlExecutor {
  return {
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await db.query<T>(sql, params)).rows }),
    exec: async (sql: string) => {
      await db.exec(sql);
    },
  };
}

t.test("PGlite: applies every committed migration once and records it as Prisma does", async (t) => {
  const db = new PGlite();
  const sql = pgliteSql(db);
  const committed = await readMigrations();
  t.ok(committed.length >= 1, "there are committed migrations");
  t.same(
    await pendingMigrations(sql),
    committed.map((m) => m.name),
    "all pending on an empty database",
  );
  const first = await migrate(sql);
  t.same(
    first.applied,
    committed.map((m) => m.name),
  );
  const again = await migrate(sql);
  t.same(again.applied, [], "a second run applies nothing");
  t.same(await pendingMigrations(sql), []);
  const rows = (
    await db.query<{
      migration_name: string;
      checksum: string;
      applied_steps_count: number;
      logs: string | null;
      finished_at: Date | null;
    }>(
      `SELECT migration_name, checksum, applied_steps_count, logs, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
    )
  ).rows;
  t.equal(rows.length, committed.length);
  for (const [i, row] of rows.entries()) {
    t.equal(row.checksum, checksum(committed[i]!.script), "sha256 of migration.sql, as Prisma computes it");
    t.equal(row.applied_steps_count, 1);
    t.equal(row.logs, null);
    t.ok(row.finished_at instanceof Date);
  }
  const tables = (
    await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    )
  ).rows.map((r) => r.table_name);
  for (const table of [
    "Builder",
    "SessionType",
    "Site",
    "PartnerKey",
    "BookingAttempt",
    "Booking",
    "BookingStatusChange",
    "Payment",
    "Refund",
    "WebhookEvent",
    "WebhookDelivery",
  ]) {
    t.ok(tables.includes(table), `${table} exists`);
  }
  await db.close();
});

t.test("a migration edited after it was applied is refused", async (t) => {
  const db = new PGlite();
  const sql = pgliteSql(db);
  const committed = await readMigrations();
  await migrate(sql, committed);
  const edited = committed.map((m, i) =>
    i === 0 ? { ...m, script: `${m.script}\n-- edit`, checksum: checksum(`${m.script}\n-- edit`) } : m,
  );
  await t.rejects(migrate(sql, edited), MigrationError);
  await db.close();
});

t.test("a failing migration is rolled back, logged, and blocks later runs", async (t) => {
  const db = new PGlite();
  const sql = pgliteSql(db);
  const broken = [
    {
      name: "20990101000000_half",
      script: `CREATE TABLE "Half" (id int);\nSELECT * FROM "does_not_exist";`,
      checksum: "x",
    },
  ];
  await t.rejects(migrate(sql, broken), /20990101000000_half failed/);
  const half = await db.query(`SELECT to_regclass('"Half"') AS t`);
  t.same(half.rows, [{ t: null }], "nothing half-written");
  const row = (
    await db.query<{ logs: string; finished_at: Date | null }>(`SELECT logs, finished_at FROM "_prisma_migrations"`)
  ).rows[0];
  t.match(row?.logs, /does_not_exist/);
  t.equal(row?.finished_at, null);
  await t.rejects(migrate(sql, broken), /failed earlier/);
  await db.close();
});

t.test("real Postgres: concurrent start-ups apply each migration exactly once", async (t) => {
  const fresh = await freshDatabase();
  t.teardown(fresh.drop);
  const results = await Promise.all([
    migratePostgres(fresh.url),
    migratePostgres(fresh.url),
    migratePostgres(fresh.url),
  ]);
  const committed = await readMigrations();
  t.equal(results.flatMap((r) => r.applied).length, committed.length, "applied once in total across three runs");
  const client = new pg.Client({ connectionString: fresh.url });
  await client.connect();
  const rows = (await client.query(`SELECT migration_name, checksum FROM "_prisma_migrations"`)).rows;
  await client.end();
  t.equal(rows.length, committed.length);
});

t.test("Prisma's own CLI agrees: `prisma migrate status` reports our Postgres as up to date", async (t) => {
  const fresh = await freshDatabase();
  t.teardown(fresh.drop);
  const env = { ...process.env, DATABASE_URL: fresh.url };
  const before = await run(PRISMA, ["migrate", "status"], {
    env,
    cwd: new URL("..", import.meta.url).pathname,
  }).catch((e: { stdout: string; code: number }) => e);
  t.match(before.stdout, /have not yet been applied/, "prisma sees the empty database as behind");
  const cli = await run(process.execPath, ["--import", "tsx", "src/cli/migrate.ts"], {
    env,
    cwd: new URL("..", import.meta.url).pathname,
  });
  t.match(cli.stdout, /Applied \d+ migration/);
  const after = await run(PRISMA, ["migrate", "status"], {
    env,
    cwd: new URL("..", import.meta.url).pathname,
  });
  t.match(after.stdout, /Database schema is up to date/);
});

t.test("the committed migrations produce exactly the schema in schema.prisma (no drift)", async (t) => {
  const cwd = new URL("..", import.meta.url).pathname;
  const { stdout: expectedSql } = await run(
    PRISMA,
    ["migrate", "diff", "--from-empty", "--to-schema-datamodel", "../prisma/schema.prisma", "--script"],
    { cwd },
  );
  const describe = async (db: PGlite) => {
    const columns = await db.query<Record<string, string>>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
         ORDER BY table_name, column_name`,
    );
    const indexes = await db.query<Record<string, string>>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY indexname`,
    );
    return { columns: columns.rows, indexes: indexes.rows };
  };
  const fromSchema = new PGlite();
  await fromSchema.exec(expectedSql);
  const fromMigrations = new PGlite();
  await migrate(pgliteSql(fromMigrations));
  const a = await describe(fromMigrations);
  const b = await describe(fromSchema);
  t.same(a.columns, b.columns, "same columns and types");
  // Indexes the Prisma schema cannot express are added by hand in migrations; name them here.
  const handWritten = new Set(["Booking_confirmed_slot_key", "Booking_pay_first_slot_key"]);
  t.same(
    a.indexes.filter((i) => !handWritten.has(i.indexname ?? "")),
    b.indexes,
    "same indexes, apart from the hand-written partial ones",
  );
  await fromSchema.close();
  await fromMigrations.close();
});
