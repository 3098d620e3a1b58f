// 1. Read path: GET /v1/builders/liam/booking-config against bare node:http and bare Fastify,
// each server in its own child process, on PGlite (the embedded default) and on Postgres,
// plus the If-None-Match (304) path and the route alone (its floor). 5. Memory: the service's
// RSS idle and under this load.
//
// Every server stays up for the whole section and is measured in rounds, one after another
// within each round, so each ratio compares runs seconds apart: on a shared machine the speed
// of everything drifts over a minute, and a baseline measured once at the start would carry that
// drift into every ratio. The tables give the median of the rounds and the range of the ratios.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freshDatabase } from "../lib/db.mjs";
import { mb, ms, n0, ratio, table } from "../lib/format.mjs";
import { expectStatuses, load, median } from "../lib/load.mjs";
import { cpuMsOf, sampleRss, startChild } from "../lib/proc.mjs";
import { serviceEnv, widgetHeaders } from "../lib/site.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const server = (name) => path.join(here, "..", "servers", name);
const ROUTE = "/v1/builders/liam/booking-config";

export async function readPath(opts) {
  const { seconds, warmup, connections, maxRequests, rounds = 3, execArgv = [] } = opts;
  const children = [];
  const targets = [];
  const memory = [];
  const start = async (script, env = {}, extra = {}) => {
    const child = await startChild(server(script), { env, ...extra });
    children.push(child);
    return child;
  };
  const target = (label, child, { headers = {}, expect = [200], kind = "baseline" } = {}) =>
    targets.push({ label, child, headers, expect, kind, runs: [] });

  const pgliteDir = await mkdtemp(path.join(tmpdir(), "baw-bench-pglite-"));
  const db = await freshDatabase();
  try {
    target("bare node:http", await start("bare-http.mjs"));
    target("bare Fastify", await start("bare-fastify.mjs"));
    for (const [label, env] of [
      ["service on PGlite (file)", { PGLITE_DIR: pgliteDir }],
      ["service on Postgres", { DATABASE_URL: db.url }],
    ]) {
      const child = await start("service.mjs", { ...serviceEnv, ...env }, { execArgv });
      await new Promise((r) => setTimeout(r, 500));
      const idle = { rss: child.rss(), ...(await child.mem()) };
      const res = await fetch(child.url + ROUTE, { headers: widgetHeaders });
      if (res.status !== 200) throw new Error(`${label}: booking-config answered ${res.status}: ${await res.text()}`);
      const etag = res.headers.get("etag");
      await res.arrayBuffer();
      target(`${label}, 200`, child, { headers: widgetHeaders, kind: "service" });
      target(`${label}, 304 If-None-Match`, child, {
        headers: { ...widgetHeaders, "if-none-match": etag },
        expect: [304],
        kind: "service",
      });
      memory.push({ label, child, startupMs: child.ready.startupMs, idleRss: idle.rss, idleHeap: idle.heapUsed });
    }
    // The floor: the same route and site check without the service's cross-cutting plugins.
    target(
      "booking-config route alone on Postgres, 200",
      await start("route-alone.mjs", { ...serviceEnv, DATABASE_URL: db.url }),
      { headers: widgetHeaders, kind: "floor" },
    );

    const run = async (t, s) => {
      const base = { url: t.child.url, path: ROUTE, headers: t.headers, connections, maxRequests, seconds: s };
      const cpuBefore = cpuMsOf(t.child.pid);
      const { result, samples } = await sampleRss(t.child.pid, () => load(base));
      expectStatuses(t.label, result, t.expect);
      return {
        ...result,
        // The server's own CPU per answer: what the process spent, whatever else ran on the machine.
        cpuPerRequestUs: ((cpuMsOf(t.child.pid) - cpuBefore) * 1000) / result.responses,
        rssSamples: samples,
      };
    };
    for (const t of targets) await run(t, warmup);
    for (let round = 0; round < rounds; round++) {
      for (const t of targets) t.runs.push(await run(t, seconds));
    }
    for (const m of memory) m.heapAfter = (await m.child.mem()).heapUsed;
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    await rm(pgliteDir, { recursive: true, force: true });
    await db.drop();
  }

  const byLabel = (label) => targets.find((t) => t.label === label);
  const fastify = byLabel("bare Fastify");
  const http = byLabel("bare node:http");
  const rows = targets.map((t) => {
    const rss = t.runs.flatMap((r) => r.rssSamples);
    const ratios = t.runs.map((r, i) => r.rps / fastify.runs[i].rps);
    return {
      label: t.label,
      kind: t.kind,
      rps: median(t.runs.map((r) => r.rps)),
      p50: median(t.runs.map((r) => r.p50)),
      p99: median(t.runs.map((r) => r.p99)),
      xFastify: median(ratios),
      xFastifyMin: Math.min(...ratios),
      xFastifyMax: Math.max(...ratios),
      xHttp: median(t.runs.map((r, i) => r.rps / http.runs[i].rps)),
      cpuPerRequestUs: median(t.runs.map((r) => r.cpuPerRequestUs)),
      rssPeak: Math.max(...rss),
      rssMean: rss.reduce((a, b) => a + b, 0) / rss.length,
    };
  });
  const fastifyRow = rows.find((r) => r.label === "bare Fastify");
  for (const m of memory) {
    const loaded = rows.find((r) => r.label === `${m.label}, 200`);
    m.loadRssMean = loaded.rssMean;
    m.loadRssPeak = loaded.rssPeak;
    delete m.child;
  }
  const range = (r) => (r === fastifyRow ? "" : ` (${r.xFastifyMin.toFixed(2)}–${r.xFastifyMax.toFixed(2)})`);
  const text = table(
    `Read path: GET ${ROUTE} (${connections} connections; ${rounds} rounds of ${seconds} s per server, taken in turn, after a ${warmup} s warm-up; medians of the rounds; baseline = bare Fastify in the same round, ${n0(fastifyRow.rps)} req/s)`,
    [
      "server",
      "req/s",
      "p50",
      "p99",
      "× bare Fastify (range)",
      "× node:http",
      "server CPU/req",
      "CPU × bare Fastify",
      "RSS mean (peak)",
    ],
    rows.map((r) => [
      r.label,
      n0(r.rps),
      ms(r.p50),
      ms(r.p99),
      `${r.xFastify.toFixed(2)}×${range(r)}`,
      `${r.xHttp.toFixed(2)}×`,
      `${r.cpuPerRequestUs.toFixed(1)} µs`,
      ratio(r.cpuPerRequestUs, fastifyRow.cpuPerRequestUs),
      `${mb(r.rssMean)} (${mb(r.rssPeak)})`,
    ]),
  );
  return { rows, memory, fastifyRps: fastifyRow.rps, httpRps: rows[0].rps, text };
}
