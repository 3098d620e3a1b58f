// What other workspaces (the demo site, benchmarks) use to run the service in-process.
export { type AppOptions, buildApp } from "./app.js";
export { serveAdminChannel } from "./cli/admin-channel-server.js";
export { type LocalSandboxOptions, sandboxEventTypes, startLocalSandbox } from "./cli/local-sandbox.js";
export { type Config, ConfigError, loadConfig, repoRoot, sandboxSecrets } from "./config.js";
export { type Database, openDatabase } from "./db/database.js";
export {
  builderSeeds,
  liamCalendly,
  type SiteSeed,
  seedDatabase,
  seedDemoBuilders,
  seedDemoIfEmpty,
  seedSites,
} from "./db/seed.js";
export { issuePartnerKey, listPartnerKeys, revokePartnerKey } from "./domain/partner-keys.js";
// Re-exported so that importers also get the plugins' FastifyInstance augmentations (app.db, …).
export type { DatabasePluginOptions } from "./plugins/database.js";
export type { Metrics } from "./plugins/metrics.js";
export type { Providers } from "./plugins/providers.js";
export type { SiteDirectory } from "./plugins/sites.js";
