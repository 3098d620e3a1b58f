// What other workspaces (the demo site, benchmarks) use to run the service in-process.
export { type AppOptions, buildApp } from "./app.js";
export { type Config, ConfigError, loadConfig, repoRoot, sandboxSecrets } from "./config.js";
export { type Database, openDatabase } from "./db/database.js";
export { builderSeeds, liamCalendly, type SiteSeed, seedDatabase } from "./db/seed.js";
