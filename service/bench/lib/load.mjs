// Load generation with autocannon's programmatic API, bounded in requests and seconds.
// Latencies are collected per response (autocannon's own histogram keeps whole milliseconds
// and only 2xx), so percentiles here have sub-millisecond resolution and cover 304s too.
import { createRequire } from "node:module";
import autocannon from "autocannon";

// autocannon's parser (http-parser-js) waits for a 304's Content-Length worth of body that
// never comes (a 304 has none). Tell it to skip the body, as node's own client does.
const { HTTPParser } = createRequire(createRequire(import.meta.url).resolve("autocannon"))("http-parser-js");
function skip304Bodies(client) {
  let handler;
  Object.defineProperty(client.parser, HTTPParser.kOnHeadersComplete, {
    configurable: true,
    get: () => handler,
    set: (fn) => {
      handler = (info) => {
        fn(info);
        return info.statusCode === 304;
      };
    },
  });
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs one autocannon load and summarises it.
 * @param {object} o
 * @param {string} o.url target base URL (loopback only)
 * @param {number} o.connections concurrent connections
 * @param {number} o.seconds time bound
 * @param {number} o.maxRequests request bound
 * @param {Array<object>} [o.requests] autocannon request list (setupRequest for per-request bodies)
 * @param {object} [o.headers]
 * @param {string} [o.method]
 * @param {string} [o.path]
 * @param {boolean} [o.keepLatencies] return the sorted latencies too
 */
export async function load(o) {
  const host = new URL(o.url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host))
    throw new Error(`refusing non-loopback target ${o.url}`);
  const latencies = [];
  const statuses = {};
  const instance = autocannon({
    url: o.url + (o.path ?? ""),
    method: o.method ?? "GET",
    headers: o.headers ?? {},
    connections: o.connections,
    pipelining: 1,
    amount: o.maxRequests,
    timeout: 10,
    requests: o.requests,
    setupClient: skip304Bodies,
  });
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const timer = setTimeout(() => instance.stop(), o.seconds * 1000);
  const started = performance.now();
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  clearTimeout(timer);
  latencies.sort((a, b) => a - b);
  const responses = latencies.length;
  return {
    responses,
    seconds,
    rps: responses / seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    mean: responses ? latencies.reduce((a, b) => a + b, 0) / responses : Number.NaN,
    statuses,
    latencies: o.keepLatencies ? latencies : undefined,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** Fails the benchmark (not on speed, on correctness) when a run saw unexpected answers. */
export function expectStatuses(name, run, allowed) {
  const bad = Object.entries(run.statuses).filter(([code]) => !allowed.includes(Number(code)));
  if (bad.length || run.errors || run.timeouts || run.responses === 0) {
    throw new Error(
      `${name}: unexpected results: statuses ${JSON.stringify(run.statuses)}, errors ${run.errors}, timeouts ${run.timeouts}`,
    );
  }
}

/** Combines runs that went on at the same time (against several instances). */
export function merge(runs) {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = Math.max(...runs.map((r) => r.seconds));
  const statuses = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    responses: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    statuses,
    errors: runs.reduce((a, r) => a + r.errors, 0),
    timeouts: runs.reduce((a, r) => a + r.timeouts, 0),
  };
}
