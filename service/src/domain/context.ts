// What the booking domain needs from the app, so routes, webhooks and the sweeper share it.
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Config } from "../config.js";
import type { SqlExecutor } from "../db/migrate.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { Metrics } from "../plugins/metrics.js";
import type { Providers } from "../plugins/providers.js";
import type { AvailabilityCache } from "./availability/cache.js";

export interface DomainContext {
  prisma: PrismaClient;
  /** Plain SQL for the hottest statements (webhook ingestion), where Prisma's per-query cost dominates. */
  sql: SqlExecutor;
  providers: Providers;
  config: Config;
  metrics: Metrics;
  /** This instance's cache of Calendly's available times (pay first). */
  availability: AvailabilityCache;
  log: FastifyBaseLogger;
}

export function domainContext(app: FastifyInstance, log: FastifyBaseLogger = app.log): DomainContext {
  return {
    prisma: app.db.prisma,
    sql: app.db.sql,
    providers: app.providers,
    config: app.config,
    metrics: app.metrics,
    availability: app.availability,
    log,
  };
}
