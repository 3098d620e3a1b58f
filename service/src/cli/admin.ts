// `npm run admin -- <command>`: manage embedding sites and partner keys in the configured
// database (DATABASE_URL, else the embedded PGlite at PGLITE_DIR). While a service runs on that
// PGlite directory, the service carries the command out (admin-channel.ts): a second process
// opening the directory would write into a copy that is lost.
// Exit codes: 0 done, 1 failed (unknown key, database or configuration problem), 2 bad usage.
import { pathToFileURL } from "node:url";
import { type Config, loadConfig } from "../config.js";
import { type Database, openDatabase } from "../db/database.js";
import { currentOwner, EmbeddedDatabaseInUse } from "../db/embedded-owner.js";
import { sendToOwner } from "./admin-channel.js";
import { AdminFailure, type AdminIo, type AdminTarget, CarriedOut, executeAdmin } from "./admin-commands.js";

export { type AdminIo, HELP, UsageError } from "./admin-commands.js";

const defaultIo: AdminIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

function isTestMode(config: Config): boolean {
  return config.stripe.sandbox || /^(sk|rk)_test_/.test(config.stripe.secretKey);
}

/** Runs one admin command; resolves to the process exit code. */
export async function main(argv: string[], io: AdminIo = defaultIo): Promise<number> {
  let db: Database | undefined;
  try {
    return await executeAdmin(argv, io, async (): Promise<AdminTarget> => {
      const config = loadConfig(io.env);
      const testMode = isTestMode(config);
      const { database } = config;
      if (database.kind === "pglite" && !database.dir.startsWith("memory://")) {
        const owner = await currentOwner(database.dir);
        if (owner?.admin) {
          const result = await sendToOwner(owner.admin, argv, testMode);
          for (const line of result.out) io.out(line);
          for (const line of result.err) io.err(line);
          throw new CarriedOut(result.code);
        }
        if (owner) {
          throw new AdminFailure(
            `${new EmbeddedDatabaseInUse(database.dir, owner).message}; run the command again once it has stopped`,
          );
        }
      }
      try {
        db = await openDatabase(database, { serveAdmin: false });
      } catch (error) {
        // Another process took the directory between the look and the open.
        if (error instanceof EmbeddedDatabaseInUse) throw new AdminFailure(error.message);
        throw error;
      }
      return { db, testMode };
    });
  } finally {
    await db?.close();
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = await main(process.argv.slice(2));
}
