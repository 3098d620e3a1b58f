// Baseline: a bare Fastify hello-world on the same route shape as booking-config (no plugins, no logger).
import Fastify from "fastify";
import { serveChild } from "../lib/proc.mjs";

const app = Fastify({ logger: false });
app.get("/v1/builders/:idOrSlug/booking-config", async () => ({ hello: "world" }));
await app.listen({ host: "127.0.0.1", port: 0 });
serveChild({ port: app.server.address().port, close: () => app.close() });
