// Decorates the app with the database, opening (and migrating) it unless one is injected.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config.js";
import { type Database, openDatabase } from "../db/database.js";

declare module "fastify" {
  interface FastifyInstance {
    db: Database;
  }
}

export interface DatabasePluginOptions {
  config: Config;
  /** An already-open database (tests); it is not closed with the app. */
  db?: Database;
}

async function database(fastify: FastifyInstance, opts: DatabasePluginOptions) {
  const db = opts.db ?? (await openDatabase(opts.config.database));
  if (db.migrations?.applied.length) {
    fastify.log.info({ migrations: db.migrations.applied }, "applied database migrations");
  }
  fastify.decorate("db", db);
  if (!opts.db) fastify.addHook("onClose", async () => db.close());
}

export default fp(database, { name: "database" });
