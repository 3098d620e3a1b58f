// Prisma CLI configuration: the JS schema engine over PGlite, so `generate` and
// `migrate dev` work offline. Production databases are migrated by `src/db/migrate.ts`
// (or by `prisma migrate deploy` with the classic engine where engines can be fetched).
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defineConfig } from "prisma/config";

process.env.DATABASE_URL ??= "postgresql://localhost/baw";
const dataDir = process.env.PGLITE_DIR ?? path.join(import.meta.dirname, "..", ".data", "prisma-cli");
mkdirSync(dataDir, { recursive: true });

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(import.meta.dirname, "..", "prisma", "schema.prisma"),
  migrations: { path: path.join(import.meta.dirname, "..", "prisma", "migrations") },
  adapter: async () => new PrismaPGlite(new PGlite(dataDir)),
});
