// The floor of the read path: Fastify with the booking-config route and only the plugins the
// route itself needs (database, providers, metrics, the site check, the error handler). No
// logger, security headers, CORS, rate limit or load shedding; everything else is as in
// buildApp (service/src/app.ts), from the same service/dist. DATABASE_URL picks the database.
import Fastify from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { loadConfig } from "../../dist/config.js";
import { openDatabase } from "../../dist/db/database.js";
import { seedDatabase } from "../../dist/db/seed.js";
import database from "../../dist/plugins/database.js";
import errorHandler from "../../dist/plugins/error-handler.js";
import metrics from "../../dist/plugins/metrics.js";
import providers from "../../dist/plugins/providers.js";
import sites from "../../dist/plugins/sites.js";
import builders from "../../dist/routes/builders.js";
import { serveChild } from "../lib/proc.mjs";
import { benchSite } from "../lib/site.mjs";

const config = loadConfig(process.env);
const db = await openDatabase(config.database);
await seedDatabase(db.prisma, { sites: [benchSite] });
const app = Fastify({ logger: false });
app.setValidatorCompiler(validatorCompiler);
app.setSerializerCompiler(serializerCompiler);
app.decorate("config", config);
await app.register(errorHandler);
await app.register(metrics);
await app.register(database, { config, db });
await app.register(providers, { config });
await app.register(sites);
await app.register(builders);
await app.listen({ host: "127.0.0.1", port: 0 });
serveChild({
  port: app.server.address().port,
  close: async () => {
    await app.close();
    await db.close();
  },
});
