// One way to open the database: PGlite in-process by default, real Postgres through
// adapter-pg when DATABASE_URL is set. Both run the same committed migrations.
import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { Config } from "../config.js";
import { PrismaClient } from "../generated/prisma/client.js";
import { claimEmbedded, type EmbeddedClaim, type OwnerRecord } from "./embedded-owner.js";
import { type MigrationResult, migrate, pendingMigrations, type SqlExecutor } from "./migrate.js";

export type { PrismaClient } from "../generated/prisma/client.js";

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  /** Plain SQL access for health checks and the migrator. */
  sql: SqlExecutor;
  /** The migrations this start-up applied, when asked to migrate. */
  migrations?: MigrationResult;
  /**
   * For an on-disk PGlite, which one process at a time may open (embedded-owner.ts): records where
   * this process takes other processes' admin commands, and what stops taking them on close.
   */
  owner?: { publish(admin: NonNullable<OwnerRecord["admin"]>, stop: () => Promise<void>): Promise<void> };
  close(): Promise<void>;
}

/** How long opening a PostgreSQL connection, and one query on it, may take. */
export const DATABASE_CONNECT_TIMEOUT_MS = 5_000;
export const DATABASE_QUERY_TIMEOUT_MS = 10_000;
/** Readiness answers within this, whatever the database does. */
const READINESS_TIMEOUT_MS = 3_000;

export interface OpenOptions {
  /** Apply pending migrations before returning (the default). */
  migrate?: boolean;
  /** Pool size for Postgres. */
  poolMax?: number;
  /**
   * For an in-memory PGlite: start from this data directory (PGlite's `dumpDataDir` of a migrated
   * database) instead of creating one, which takes several times longer. Tests use it.
   */
  loadDataDir?: Blob;
}

function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await db.query<T>(sql, params)).rows }),
    exec: async (sql: string) => {
      await db.exec(sql);
    },
  };
}

function poolExecutor(pool: pg.Pool): SqlExecutor {
  return {
    query: async <T>(sql: string, params?: unknown[]) => ({
      rows: (await pool.query(sql, params as unknown[])).rows as T[],
    }),
    exec: async (sql: string) => {
      await pool.query(sql);
    },
  };
}

/** Runs the migrator on one dedicated connection, so its advisory lock and transactions stay together. */
export async function migratePostgres(url: string): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await migrate({
      query: async <T>(sql: string, params?: unknown[]) => ({
        rows: (await client.query(sql, params as unknown[])).rows as T[],
      }),
      exec: async (sql: string) => {
        await client.query(sql);
      },
    });
  } finally {
    await client.end();
  }
}

export async function openDatabase(config: Config["database"], options: OpenOptions = {}): Promise<Database> {
  const shouldMigrate = options.migrate ?? true;
  if (config.kind === "pglite") {
    const onDisk = !config.dir.startsWith("memory://");
    let claim: EmbeddedClaim | undefined;
    let stopServing: (() => Promise<void>) | undefined;
    let pglite: PGlite | undefined;
    if (onDisk) {
      await mkdir(config.dir, { recursive: true });
      // Before PGlite touches the files: a second process would open a copy of them.
      claim = await claimEmbedded(config.dir);
    }
    try {
      pglite = new PGlite(config.dir, !onDisk && options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
      await pglite.waitReady;
      const sql = pgliteExecutor(pglite);
      const migrations = shouldMigrate ? await migrate(sql) : undefined;
      // pglite-prisma-adapter is typed against an older driver-adapter-utils; the runtime contract matches.
      const adapter = new PrismaPGlite(pglite) as unknown as PrismaPg;
      const prisma = new PrismaClient({ adapter });
      const opened = pglite;
      const owned = claim;
      return {
        kind: "pglite",
        prisma,
        sql,
        migrations,
        ...(owned && {
          owner: {
            publish: async (admin, stop) => {
              stopServing = stop;
              await owned.publish(admin);
            },
          },
        }),
        close: async () => {
          await stopServing?.();
          await prisma.$disconnect();
          await opened.close();
          await owned?.release();
        },
      };
    } catch (error) {
      await pglite?.close().catch(() => {});
      await claim?.release();
      throw error;
    }
  }
  const migrations = shouldMigrate ? await migratePostgres(config.url) : undefined;
  const pool = new pg.Pool({
    connectionString: config.url,
    max: options.poolMax ?? 10,
    // A database that stops answering (a network partition drops packets, nothing fails) must
    // turn into errors, not requests that wait forever.
    connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS,
    query_timeout: DATABASE_QUERY_TIMEOUT_MS,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: "postgres",
    prisma,
    sql: poolExecutor(pool),
    migrations,
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}

export interface Readiness {
  ok: boolean;
  database: "up" | "down";
  pendingMigrations: string[];
  error?: string;
}

export async function checkReadiness(db: Database): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
  });
  try {
    const pending = await Promise.race([db.sql.query("SELECT 1").then(() => pendingMigrations(db.sql)), timeout]);
    return { ok: pending.length === 0, database: "up", pendingMigrations: pending };
  } catch (error) {
    return {
      ok: false,
      database: "down",
      pendingMigrations: [],
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}
