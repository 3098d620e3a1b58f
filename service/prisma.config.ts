// Prisma CLI configuration with the JS schema engine, which works offline: PGlite under
// .data/ by default, or the Postgres named by DATABASE_URL through adapter-pg. On this JS
// engine, `migrate status` works against Postgres but `migrate deploy` does not
// (prisma/orm#27403); the service migrates Postgres with src/db/migrate.ts instead.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defineConfig } from "prisma/config";

const root = path.join(import.meta.dirname, "..");
const postgresUrl = process.env.DATABASE_URL;
// The schema keeps `url = env("DATABASE_URL")` so the CLI never tries to download engines.
process.env.DATABASE_URL ??= "postgresql://localhost/pglite";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(root, "prisma", "schema.prisma"),
  migrations: { path: path.join(root, "prisma", "migrations") },
  adapter: async () => {
    if (postgresUrl) return new PrismaPg({ connectionString: postgresUrl });
    const dataDir = process.env.PGLITE_DIR ?? path.join(root, ".data", "prisma-cli");
    mkdirSync(dataDir, { recursive: true });
    return new PrismaPGlite(new PGlite(dataDir));
  },
});
