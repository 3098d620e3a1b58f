// Entry point: configuration, the app, graceful shutdown.
import closeWithGrace from "close-with-grace";
import { buildApp } from "./app.js";
import { serveAdminChannel } from "./cli/admin-channel-server.js";
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase } from "./db/database.js";

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Opened before the app rather than by its database plugin: a first start creates and migrates
  // the database, which on a busy machine takes longer than Fastify allows a plugin to start.
  const db = await openDatabase(config.database);
  // An embedded database takes `npm run admin` commands through this process, its one owner.
  await serveAdminChannel(db, config);
  const app = await buildApp({ config, db }).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, "shutting down after an error");
    else app.log.info({ signal }, "shutting down");
    await app.close();
    await db.close();
  });
  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info(`baw booking service listening on ${address}${app.providers.isSandbox ? " (sandbox mode)" : ""}`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`start-up failed: ${message.split("\n")[0]}\n`);
  process.exit(1);
});
