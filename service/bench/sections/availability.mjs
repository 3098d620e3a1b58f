// 6. Available times (pay first): GET /v1/builders/liam/available-times against bare Fastify
// answering the same JSON body, in rounds as the read path; then Calendly calls per 1,000 widget
// views, spread over several builders, for a few cache TTLs (and TTL 0: shared reads only).
//
// Calendly is the sandbox's fake, with a delay on its availability and event-type answers so
// that reads take as long as Calendly's do and views arrive while one is under way. Calls are
// counted where Calendly would count them: in the fake's request log.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freshDatabase, withClient } from "../lib/db.mjs";
import { ms, n0, table } from "../lib/format.mjs";
import { expectStatuses, load, median } from "../lib/load.mjs";
import { startChild } from "../lib/proc.mjs";
import { benchBuilders, serviceEnv, widgetHeaders } from "../lib/site.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const server = (name) => path.join(here, "..", "servers", name);
const ROUTE = "/v1/builders/liam/available-times";
const AVAILABILITY_PATH = /\/event_type_available_times$/;
const EVENT_TYPE_PATH = /\/event_types\/[^/]+$/;

/** The fake's requests since `since` (an index into its log) matching `pattern`. */
function callsSince(calendly, since, pattern) {
  return calendly.requests.slice(since).filter((r) => r.method === "GET" && pattern.test(r.path));
}

/** Adds the bench builders, each booked through its own event type on the sample Calendly account. */
async function addBuilders(url, sample) {
  const now = new Date();
  await withClient(url, async (c) => {
    for (const b of benchBuilders) {
      const id = randomUUID();
      await c.query(
        `INSERT INTO "Builder" (id, slug, name, headline, "calendlyEventUrl", "calendlyUserUri", "calendlyEventTypeUri", "updatedAt")
         VALUES ($1, $2, $3, 'Bench builder', $4, $5, $6, $7) ON CONFLICT (slug) DO NOTHING`,
        [
          id,
          b.slug,
          b.eventType.name,
          `https://calendly.com/${sample.userSlug}/${b.eventType.slug}`,
          `https://api.calendly.com/users/${sample.userUuid}`,
          `https://api.calendly.com/event_types/${b.eventType.eventTypeUuid}`,
          now,
        ],
      );
      await c.query(
        `INSERT INTO "SessionType" (id, "builderId", name, "durationMinutes", "priceAmount", currency, "updatedAt")
         SELECT $1, id, 'Session', 60, 10000, 'usd', $2 FROM "Builder" WHERE slug = $3
           AND NOT EXISTS (SELECT 1 FROM "SessionType" s JOIN "Builder" b ON b.id = s."builderId" WHERE b.slug = $3)`,
        [randomUUID(), now, b.slug],
      );
    }
  });
}

/** A widget view's query: the default week, or the week from midnight in the visitor's time zone. */
function viewQuery(i) {
  if (i % 2 === 0) return "";
  const offsetHours = (i % 27) - 12;
  const day = Math.floor((Date.now() + offsetHours * 3_600_000) / 86_400_000) * 86_400_000;
  const from = day - offsetHours * 3_600_000;
  return `?from=${new Date(from).toISOString()}&to=${new Date(from + 7 * 86_400_000).toISOString()}`;
}

/**
 * `views` widget views arriving at a steady rate over `seconds` (open loop: each is sent on time
 * whether or not earlier ones have been answered), round-robin over the bench builders.
 */
async function simulateViews(url, { views, seconds }) {
  const statuses = {};
  const started = performance.now();
  const pending = [];
  for (let i = 0; i < views; i++) {
    const due = started + (i * seconds * 1000) / views;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const builder = benchBuilders[i % benchBuilders.length];
    pending.push(
      fetch(`${url}/v1/builders/${builder.slug}/available-times${viewQuery(i)}`, { headers: widgetHeaders }).then(
        async (res) => {
          const body = await res.json().catch(() => null);
          // Calendly's own per-user limit refusing a read is an outcome to report; anything else fails the bench.
          const outcome = res.status === 429 && body?.error === "calendly_rate_limited" ? "limited" : res.status;
          statuses[outcome] = (statuses[outcome] ?? 0) + 1;
        },
        (error) => {
          statuses.error = (statuses.error ?? 0) + 1;
          statuses.lastError = String(error);
        },
      ),
    );
  }
  await Promise.all(pending);
  const unexpected = Object.keys(statuses).filter((k) => k !== "200" && k !== "limited");
  if (unexpected.length > 0) throw new Error(`widget views answered ${JSON.stringify(statuses)}`);
  // Until the last answer: a view answered late may have started the last read.
  return { statuses, spanSeconds: (performance.now() - started) / 1000 };
}

export async function availabilitySection(opts) {
  const { sandbox, seconds, rounds, warmup, connections, maxRequests, views, viewSeconds, ttls, latencyMs } = opts;
  const calendly = sandbox.calendly;
  const children = [];
  const start = async (script, env = {}) => {
    const child = await startChild(server(script), { env });
    children.push(child);
    return child;
  };
  const dir = await mkdtemp(path.join(tmpdir(), "baw-bench-availability-"));
  const db = await freshDatabase();
  const throughput = [];
  const viewRows = [];
  let bodyBytes = 0;
  let loadCalls = 0;
  try {
    // ---- requests per second -------------------------------------------------------------
    const service = await start("service.mjs", { ...serviceEnv, DATABASE_URL: db.url });
    const first = await fetch(service.url + ROUTE, { headers: widgetHeaders });
    const body = await first.text();
    if (first.status !== 200) throw new Error(`available-times answered ${first.status}: ${body}`);
    bodyBytes = Buffer.byteLength(body);
    const bodyFile = path.join(dir, "available-times.json");
    await writeFile(bodyFile, body);
    const targets = [
      {
        label: "bare Fastify, same JSON body",
        child: await start("bare-fastify-json.mjs", { BENCH_BODY_FILE: bodyFile }),
        path: ROUTE,
      },
      {
        label: "service on Postgres: available-times (Calendly's times cached, holds read per request)",
        child: service,
        path: ROUTE,
      },
      // For scale: the widget's other read, answered from memory without a query.
      {
        label: "service on Postgres: booking-config (cached, no query)",
        child: service,
        path: "/v1/builders/liam/booking-config",
      },
    ].map((t) => ({ ...t, runs: [] }));
    const run = async (t, s) => {
      const result = await load({
        url: t.child.url,
        path: t.path,
        headers: widgetHeaders,
        connections,
        maxRequests,
        seconds: s,
      });
      expectStatuses(t.label, result, [200]);
      return result;
    };
    for (const t of targets) await run(t, warmup);
    const before = calendly.requests.length;
    for (let round = 0; round < rounds; round++) {
      for (const t of targets) t.runs.push(await run(t, seconds));
    }
    loadCalls = callsSince(calendly, before, AVAILABILITY_PATH).length;
    const [bare] = targets;
    for (const t of targets) {
      const ratios = t.runs.map((r, i) => r.rps / bare.runs[i].rps);
      throughput.push({
        label: t.label,
        rps: median(t.runs.map((r) => r.rps)),
        p50: median(t.runs.map((r) => r.p50)),
        p99: median(t.runs.map((r) => r.p99)),
        xFastify: median(ratios),
        xMin: Math.min(...ratios),
        xMax: Math.max(...ratios),
        requests: t.runs.reduce((n, r) => n + r.responses, 0),
      });
    }
    await service.stop();

    // ---- Calendly calls per 1,000 widget views ---------------------------------------------
    await addBuilders(db.url, (await import("../../dist/cli/local-sandbox.js")).sandboxEventTypes[0]);
    calendly.faults.clear();
    calendly.faults.next({ path: AVAILABILITY_PATH, method: "GET", delayMs: latencyMs, times: 1_000_000 });
    calendly.faults.next({ path: EVENT_TYPE_PATH, method: "GET", delayMs: latencyMs, times: 1_000_000 });
    const byEventType = new Map(benchBuilders.map((b) => [b.eventType.eventTypeUuid, b.slug]));
    for (const ttl of ttls) {
      const child = await start("service.mjs", {
        ...serviceEnv,
        DATABASE_URL: db.url,
        BENCH_SEED: "0",
        AVAILABILITY_CACHE_SECONDS: String(ttl),
      });
      const since = calendly.requests.length;
      const { statuses, spanSeconds } = await simulateViews(child.url, { views, seconds: viewSeconds });
      const timesCalls = callsSince(calendly, since, AVAILABILITY_PATH);
      const refusedCalls = timesCalls.filter((c) => c.status === 429).length;
      const typeCalls = callsSince(calendly, since, EVENT_TYPE_PATH);
      const perBuilder = new Map(benchBuilders.map((b) => [b.slug, 0]));
      for (const call of timesCalls) {
        const uuid = new URLSearchParams(call.search).get("event_type")?.split("/").pop();
        const slug = byEventType.get(uuid);
        if (slug) perBuilder.set(slug, perBuilder.get(slug) + 1);
      }
      // The fewest TTL periods the views spanned: a perfect cache reads once per builder in each.
      const periods = ttl > 0 ? Math.ceil(spanSeconds / ttl) : null;
      const worst = Math.max(...perBuilder.values());
      viewRows.push({
        ttl,
        views,
        statuses,
        timesCalls: timesCalls.length,
        refusedCalls,
        limitedViews: statuses.limited ?? 0,
        typeCalls: typeCalls.length,
        perThousand: ((timesCalls.length + typeCalls.length) * 1000) / views,
        periods,
        spanSeconds,
        worstPerBuilder: worst,
        perBuilderPerTtl: periods ? worst / periods : null,
      });
      await child.stop();
    }
  } finally {
    calendly.faults.clear();
    await Promise.allSettled(children.map((c) => c.stop()));
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }

  const bare = throughput[0];
  const text = [
    table(
      `Available times: GET ${ROUTE} (${connections} connections; ${rounds} rounds of ${seconds} s per server, taken in turn, after a ${warmup} s warm-up; medians; baseline = bare Fastify answering the same ${n0(bodyBytes)}-byte JSON body in the same round, ${n0(bare.rps)} req/s)`,
      ["server", "req/s", "p50", "p99", "× bare Fastify (range)"],
      throughput.map((r, i) => [
        r.label,
        n0(r.rps),
        ms(r.p50),
        ms(r.p99),
        i === 0 ? "1.00×" : `${r.xFastify.toFixed(2)}× (${r.xMin.toFixed(2)}–${r.xMax.toFixed(2)})`,
      ]),
    ),
    `Calendly availability calls during the ${n0(throughput[1].requests)} measured available-times requests: ${loadCalls} (cache TTL 60 s).`,
    "",
    table(
      `Calendly calls per 1,000 widget views: ${views} views at a steady rate over ${viewSeconds} s, round-robin over ${benchBuilders.length} builders, half the default week and half the week from midnight in one of 27 time zones; Calendly answers in ${latencyMs} ms and allows each Calendly user 500 requests a minute (the five builders share one user); one fresh service instance per TTL, TTL 0 last`,
      [
        "cache TTL",
        "availability calls (refused by Calendly's limit)",
        "event-type reads",
        "Calendly calls per 1,000 views",
        "views answered 429 calendly_rate_limited",
        "views answered within (TTL periods)",
        "availability calls per builder per TTL (worst builder; goal ≤ 1)",
      ],
      viewRows.map((r) => [
        r.ttl === 0 ? "0 (shared reads only)" : `${r.ttl} s`,
        `${n0(r.timesCalls)} (${n0(r.refusedCalls)})`,
        n0(r.typeCalls),
        r.perThousand.toFixed(0),
        n0(r.limitedViews),
        `${r.spanSeconds.toFixed(1)} s (${r.periods ?? "–"})`,
        r.perBuilderPerTtl === null ? `– (${r.worstPerBuilder} for one builder)` : r.perBuilderPerTtl.toFixed(2),
      ]),
    ),
  ].join("\n");
  return { throughput, bodyBytes, loadCalls, views: viewRows, text };
}
