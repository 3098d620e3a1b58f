// `npm run db:migrate -w service`: brings the database named by DATABASE_URL (or the embedded
// PGlite) to the committed migrations, recording them as `prisma migrate deploy` would.
import { loadConfig } from "../config.js";
import { openDatabase } from "../db/database.js";

try {
  const config = loadConfig();
  const db = await openDatabase(config.database);
  const result = db.migrations;
  await db.close();
  const where = config.database.kind === "postgres" ? "PostgreSQL" : `PGlite at ${config.database.dir}`;
  if (result?.applied.length)
    console.log(`Applied ${result.applied.length} migration(s) to ${where}: ${result.applied.join(", ")}`);
  else console.log(`${where} is up to date (${result?.alreadyApplied.length ?? 0} migration(s) applied earlier).`);
} catch (error) {
  console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
