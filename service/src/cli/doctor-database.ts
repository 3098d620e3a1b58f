import type { Database } from "../db/database.js";
import { committedMigrations } from "../db/migrate.js";
import type { WebhookProvider } from "../generated/prisma/client.js";
import { DAY_MS, type DoctorInput, describeDatabase, errorText, type Report } from "./doctor-report.js";

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** Returns true when the database is reachable and fully migrated. */
export async function databaseChecks(r: Report, input: DoctorInput): Promise<boolean> {
  r.in("Database");
  const { db, config } = input;
  const where = describeDatabase(config);
  if (!db) {
    const p = input.dbProblem ?? { status: "fail" as const, message: `${where} was not opened` };
    if (p.status === "info") r.info(p.message);
    else r[p.status](p.message, p.fix ?? "check DATABASE_URL (or PGLITE_DIR)");
    return false;
  }
  try {
    await db.sql.query("SELECT 1");
    r.pass(`${where} is reachable`);
  } catch (error) {
    r.fail(
      `${where} is not reachable: ${errorText(error)}`,
      config.database.kind === "postgres"
        ? "check DATABASE_URL (host, port, user, password, database name) and that this host may connect"
        : "check PGLITE_DIR, and stop any other process that uses the same PGlite directory",
    );
    return false;
  }
  try {
    const committed = await committedMigrations();
    const present = await db.sql.query<{ present: boolean }>(
      `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
    );
    const rows = present.rows[0]?.present
      ? (
          await db.sql.query<MigrationRow>(
            `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
          )
        ).rows
      : [];
    const live = rows.filter((row) => row.rolled_back_at === null);
    const failed = live.filter((row) => row.finished_at === null);
    const applied = new Map(live.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]));
    const known = new Set(committed.map((m) => m.name));
    const unknown = [...applied.keys()].filter((name) => !known.has(name));
    const changed = committed.filter((m) => applied.has(m.name) && applied.get(m.name)!.checksum !== m.checksum);
    const pending = committed.filter((m) => !applied.has(m.name)).map((m) => m.name);
    let ok = true;
    if (failed.length > 0) {
      ok = false;
      r.fail(
        `migration ${failed.map((f) => f.migration_name).join(", ")} failed earlier and blocks further migrations`,
        "inspect _prisma_migrations.logs, repair the schema, then mark it with `prisma migrate resolve --rolled-back <name>` (or --applied)",
      );
    }
    if (unknown.length > 0) {
      r.warn(
        `the database has migrations this code does not know (${unknown.join(", ")}): it was migrated by a newer release`,
        "deploy the release that matches the database, or check DATABASE_URL points at the right database",
      );
    }
    if (changed.length > 0) {
      ok = false;
      r.fail(
        `migration ${changed.map((m) => m.name).join(", ")} was edited after it was applied (checksum differs)`,
        "restore the committed migration file; never edit an applied migration, add a new one instead",
      );
    }
    if (pending.length > 0) {
      ok = false;
      r.fail(
        `${pending.length} migration(s) not applied: ${pending.join(", ")}`,
        "run `npm run db:migrate -w service` (or `prisma migrate deploy` with the classic engine); the service also migrates at start-up",
      );
    } else if (failed.length === 0 && changed.length === 0) {
      r.pass(`all ${committed.length} committed migration(s) are applied`);
    }
    return ok;
  } catch (error) {
    r.fail(`could not read the migration history: ${errorText(error)}`, "check the database user's privileges");
    return false;
  }
}

/** Deliveries logged in the last 24 h: do signatures verify, does processing succeed? */
export async function deliveryChecks(
  r: Report,
  db: Database,
  provider: WebhookProvider,
  secretVar: string,
  toleranceSeconds: number,
): Promise<void> {
  const since = new Date(Date.now() - DAY_MS);
  const prisma = db.prisma;
  const [latest, invalid, stale, failedEvents] = await Promise.all([
    prisma.webhookDelivery.findFirst({
      where: { provider, receivedAt: { gte: since } },
      orderBy: { receivedAt: "desc" },
      select: { signature: true, receivedAt: true },
    }),
    prisma.webhookDelivery.count({
      where: { provider, receivedAt: { gte: since }, signature: { in: ["INVALID", "MISSING"] } },
    }),
    prisma.webhookDelivery.count({ where: { provider, receivedAt: { gte: since }, signature: "STALE" } }),
    prisma.webhookEvent.count({ where: { provider, status: "FAILED" } }),
  ]);
  const name = provider === "STRIPE" ? "Stripe" : provider === "STRIPE_CONNECT" ? "Stripe Connect" : "Calendly";
  if (!latest) {
    r.info(`no ${name} webhook deliveries in the last 24 h`);
  } else if (latest.signature === "INVALID" || latest.signature === "MISSING") {
    r.fail(
      `the latest ${name} webhook delivery (${latest.receivedAt.toISOString()}) failed its signature check; ${invalid} did in the last 24 h`,
      `${secretVar} must be the signing secret of the endpoint that delivers to this service; ` +
        "also make sure no proxy rewrites the request body",
    );
  } else if (invalid > 0) {
    r.warn(
      `${invalid} ${name} webhook deliveries failed their signature check in the last 24 h (the latest one verified)`,
      `look for deliveries from another endpoint or an old ${secretVar}`,
    );
  } else {
    r.pass(`${name} webhook deliveries in the last 24 h verify (latest ${latest.receivedAt.toISOString()})`);
  }
  if (stale > 0) {
    r.warn(
      `${stale} ${name} webhook deliveries in the last 24 h were outside the ${toleranceSeconds} s signature tolerance`,
      "synchronise this host's clock (NTP); a long queue in front of the service also delays deliveries",
    );
  }
  if (failedEvents > 0) {
    r.warn(
      `${failedEvents} ${name} event(s) failed processing and await the provider's retry ` +
        `(${provider !== "CALENDLY" ? "Stripe retries for 3 days" : "Calendly retries for 24 h, then disables the subscription"})`,
      'read WebhookEvent.lastError and the "webhook processing failed" log lines',
    );
  }
}
