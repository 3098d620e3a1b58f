// Baseline for available-times: a bare Fastify (no plugins, no logger) answering the same JSON
// body as the service, at the same route shape. BENCH_BODY_FILE names the body; Fastify
// serializes it on every request, as the service does its answer.
import { readFile } from "node:fs/promises";
import Fastify from "fastify";
import { serveChild } from "../lib/proc.mjs";

const body = JSON.parse(await readFile(process.env.BENCH_BODY_FILE, "utf8"));
const app = Fastify({ logger: false });
app.get("/v1/builders/:builder/available-times", async () => body);
await app.listen({ host: "127.0.0.1", port: 0 });
serveChild({ port: app.server.address().port, close: () => app.close() });
