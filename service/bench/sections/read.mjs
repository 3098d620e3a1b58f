// 1. Read path: GET /v1/builders/liam/booking-config against bare node:http and bare Fastify,
// each server in its own child process, on PGlite (the embedded default) and on Postgres,
// plus the If-None-Match (304) path. 5. Memory: the service's RSS idle and under this load.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freshDatabase } from "../lib/db.mjs";
import { mb, ms, n0, ratio, table } from "../lib/format.mjs";
import { expectStatuses, load } from "../lib/load.mjs";
import { sampleRss, startChild } from "../lib/proc.mjs";
import { serviceEnv, widgetHeaders } from "../lib/site.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const server = (name) => path.join(here, "..", "servers", name);
const ROUTE = "/v1/builders/liam/booking-config";

export async function readPath(opts) {
  const { seconds, warmup, connections, maxRequests, execArgv = [] } = opts;
  const rows = [];
  const memory = [];

  const measure = async (label, child, { headers = {}, expect = [200], kind }) => {
    const base = { url: child.url, path: ROUTE, headers, connections, maxRequests };
    expectStatuses(`${label} (warm-up)`, await load({ ...base, seconds: warmup }), expect);
    const { result, samples } = await sampleRss(child.pid, () => load({ ...base, seconds }));
    expectStatuses(label, result, expect);
    rows.push({
      label,
      kind,
      ...result,
      rssPeak: Math.max(...samples),
      rssMean: samples.reduce((a, b) => a + b, 0) / samples.length,
    });
    return result;
  };

  const baseline = async (label, script) => {
    const child = await startChild(server(script));
    try {
      await measure(label, child, { kind: "baseline" });
    } finally {
      await child.stop();
    }
  };

  const service = async (label, env) => {
    const child = await startChild(server("service.mjs"), { env: { ...serviceEnv, ...env }, execArgv });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const idle = { rss: child.rss(), ...(await child.mem()) };
      const res = await fetch(child.url + ROUTE, { headers: widgetHeaders });
      if (res.status !== 200) throw new Error(`${label}: booking-config answered ${res.status}: ${await res.text()}`);
      const etag = res.headers.get("etag");
      await res.arrayBuffer();
      await measure(`${label}, 200`, child, { headers: widgetHeaders, kind: "service" });
      const after = await child.mem();
      await measure(`${label}, 304 If-None-Match`, child, {
        headers: { ...widgetHeaders, "if-none-match": etag },
        expect: [304],
        kind: "service",
      });
      const loaded = rows.at(-2);
      memory.push({
        label,
        startupMs: child.ready.startupMs,
        idleRss: idle.rss,
        idleHeap: idle.heapUsed,
        loadRssMean: loaded.rssMean,
        loadRssPeak: loaded.rssPeak,
        heapAfter: after.heapUsed,
      });
    } finally {
      await child.stop();
    }
  };

  await baseline("bare node:http", "bare-http.mjs");
  await baseline("bare Fastify (before)", "bare-fastify.mjs");

  const pgliteDir = await mkdtemp(path.join(tmpdir(), "baw-bench-pglite-"));
  try {
    await service("service on PGlite (file)", { PGLITE_DIR: pgliteDir });
  } finally {
    await rm(pgliteDir, { recursive: true, force: true });
  }
  const db = await freshDatabase();
  try {
    await service("service on Postgres", { DATABASE_URL: db.url });
  } finally {
    await db.drop();
  }
  await baseline("bare Fastify (after)", "bare-fastify.mjs");

  const fastify = rows.filter((r) => r.label.startsWith("bare Fastify"));
  const fastifyRps = fastify.reduce((a, r) => a + r.rps, 0) / fastify.length;
  const httpRps = rows.find((r) => r.label === "bare node:http").rps;
  const text = table(
    `Read path: GET ${ROUTE} (${connections} connections, ${seconds} s after ${warmup} s warm-up; baseline = mean of the two bare Fastify runs, ${n0(fastifyRps)} req/s)`,
    ["server", "req/s", "p50", "p99", "× bare Fastify", "× node:http", "RSS mean (peak)"],
    rows.map((r) => [
      r.label,
      n0(r.rps),
      ms(r.p50),
      ms(r.p99),
      ratio(r.rps, fastifyRps),
      ratio(r.rps, httpRps),
      `${mb(r.rssMean)} (${mb(r.rssPeak)})`,
    ]),
  );
  return { rows, memory, fastifyRps, httpRps, text };
}
