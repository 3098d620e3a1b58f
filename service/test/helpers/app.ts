// A running service for tests: sandbox fakes, a seeded database (PGlite in memory, or a
// fresh database on the real PostgreSQL), and a test site allowed on one origin.
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config.js";
import { type Database, openDatabase } from "../../src/db/database.js";
import { seedDatabase } from "../../src/db/seed.js";
import type { DomainContext } from "../../src/domain/context.js";
import { domainContext } from "../../src/domain/context.js";
import type { FakeCalendly } from "../../src/sandbox/fake-calendly/index.js";
import type { FakeStripe } from "../../src/sandbox/fake-stripe/index.js";
import { type FreshDatabase, freshDatabase } from "./postgres.js";

export const testSite = {
  name: "Test marketplace",
  publishableKey: "pk_test_marketplace",
  allowedOrigins: ["https://market.example"],
  returnUrlAllowlist: ["https://market.example/book"],
};

export interface TestApp {
  app: FastifyInstance;
  url: string;
  db: Database;
  ctx: DomainContext;
  stripe: FakeStripe;
  calendly: FakeCalendly;
  config: Config;
  /** Headers a widget on the test site sends. */
  siteHeaders: Record<string, string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  database?: "pglite" | "postgres";
  env?: NodeJS.ProcessEnv;
  logger?: Parameters<typeof buildApp>[0]["logger"];
}

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  let fresh: FreshDatabase | undefined;
  const env: NodeJS.ProcessEnv = { LOG_LEVEL: "silent", ...options.env };
  if (options.database === "postgres") {
    fresh = await freshDatabase();
    env.DATABASE_URL = fresh.url;
  } else {
    env.PGLITE_DIR = "memory://";
  }
  const config = loadConfig(env);
  const db = await openDatabase(config.database);
  await seedDatabase(db.prisma, { sites: [testSite] });
  const app = await buildApp({ config, db, logger: options.logger ?? false, sweeper: false });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const url = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : "";
  return {
    app,
    url,
    db,
    ctx: domainContext(app),
    stripe: app.providers.sandbox.stripe!,
    calendly: app.providers.sandbox.calendly!,
    config,
    siteHeaders: { "x-baw-site-key": testSite.publishableKey, origin: testSite.allowedOrigins[0]! },
    close: async () => {
      await app.close();
      await db.close();
      await fresh?.drop();
    },
  };
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 5000, what = "condition"): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
