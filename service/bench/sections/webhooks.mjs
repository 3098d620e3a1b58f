// 2. Webhook ingestion on real Postgres: signed Stripe events, each processed exactly once,
// with 1 and 2 service instances (two child processes on one database). Baseline: pgbench
// single-row INSERT transactions per second on the same server, in the same run.
import path from "node:path";
import { freshDatabase, withClient } from "../lib/db.mjs";
import { ms, n0, ratio, table } from "../lib/format.mjs";
import { expectStatuses, load, median, merge } from "../lib/load.mjs";
import { pgbenchInsert } from "../lib/pgbench.mjs";
import { startChild } from "../lib/proc.mjs";
import { serviceEnv } from "../lib/site.mjs";
import { signedStripeEvent, uniqueEventRequests } from "../lib/stripe-event.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const serviceScript = path.join(here, "..", "servers", "service.mjs");

/** Every event stored once, claimed once (attempts = 1), PROCESSED, with one first delivery. */
async function verifyExactlyOnce(url, prefix, { expectDeliveries } = {}) {
  return withClient(url, async (c) => {
    const ev = (
      await c.query(
        `SELECT count(*)::int AS events, count(*) FILTER (WHERE status = 'PROCESSED')::int AS processed,
                coalesce(min(attempts), 0)::int AS min_attempts, coalesce(max(attempts), 0)::int AS max_attempts,
                count(DISTINCT "providerEventId")::int AS distinct_ids
           FROM "WebhookEvent" WHERE starts_with("providerEventId", $1)`,
        [prefix],
      )
    ).rows[0];
    const del = (
      await c.query(
        `SELECT count(*)::int AS deliveries,
                count(*) FILTER (WHERE NOT duplicate AND "responseStatus" = 200)::int AS firsts
           FROM "WebhookDelivery" WHERE starts_with("providerEventId", $1)`,
        [prefix],
      )
    ).rows[0];
    const problems = [];
    if (ev.events === 0) problems.push("no events stored");
    if (ev.processed !== ev.events) problems.push(`${ev.events - ev.processed} events not PROCESSED`);
    if (ev.min_attempts !== 1 || ev.max_attempts !== 1)
      problems.push(`attempts ${ev.min_attempts}..${ev.max_attempts}`);
    if (ev.distinct_ids !== ev.events) problems.push("duplicate event rows");
    if (del.firsts !== ev.events) problems.push(`${del.firsts} first deliveries for ${ev.events} events`);
    if (expectDeliveries !== undefined && del.deliveries !== expectDeliveries) {
      problems.push(`${del.deliveries} deliveries, expected ${expectDeliveries}`);
    }
    if (problems.length) throw new Error(`webhooks ${prefix}: not exactly once: ${problems.join("; ")}`);
    return { ...ev, ...del };
  });
}

/** Each event delivered to both instances at the same moment, then once more: processed once. */
async function duplicateStorm(urls, dbUrl, count) {
  const prefix = "evt_storm_";
  const statuses = {};
  const post = async (base, id) => {
    for (let tries = 0; tries < 50; tries++) {
      const { body, headers } = signedStripeEvent(`${prefix}${id}`);
      const res = await fetch(`${base}/webhooks/stripe`, { method: "POST", body, headers });
      const json = await res.json();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status !== 409) return json; // 409 = being processed elsewhere: Stripe retries
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("duplicate storm: still 409 after 50 tries");
  };
  const ids = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(ids.slice(i, i + 16).flatMap((id) => urls.map((u) => post(u, id))));
  }
  await Promise.all(ids.map((id) => post(urls[0], id)));
  const check = await verifyExactlyOnce(dbUrl, prefix);
  return { ...check, statuses, events: count };
}

export async function webhooks({ seconds, warmup, connections, maxRequests, pgbenchSeconds, rounds = 3 }) {
  const baseDb = await freshDatabase();
  let pgb;
  try {
    pgb = await pgbenchInsert(baseDb.url, { clients: 4, seconds: pgbenchSeconds });
  } finally {
    await baseDb.drop();
  }

  const runs = [];
  const run = async (instances) => {
    const db = await freshDatabase();
    const children = [];
    try {
      // One after the other: each seeds the database at start-up.
      for (let i = 0; i < instances; i++) {
        children.push(await startChild(serviceScript, { env: { ...serviceEnv, DATABASE_URL: db.url } }));
      }
      const per = Math.max(1, Math.floor(connections / instances));
      const go = (tag, secs, keep) =>
        Promise.all(
          children.map((child, i) =>
            load({
              url: child.url,
              connections: per,
              seconds: secs,
              maxRequests: Math.floor(maxRequests / instances),
              requests: uniqueEventRequests(`${tag}_${instances}_${i}`),
              keepLatencies: keep,
            }),
          ),
        );
      for (const r of await go("warm", warmup, false)) expectStatuses("webhooks warm-up", r, [200]);
      const parts = await go("run", seconds, true);
      for (const r of parts) expectStatuses(`webhooks, ${instances} instance(s)`, r, [200]);
      const result = merge(parts);
      await new Promise((r) => setTimeout(r, 300));
      const check = await verifyExactlyOnce(db.url, `evt_run_${instances}_`);
      if (check.events < result.responses || check.events > result.responses + connections) {
        throw new Error(`webhooks: ${check.events} events stored for ${result.responses} answered deliveries`);
      }
      const storm =
        instances > 1
          ? await duplicateStorm(
              children.map((c) => c.url),
              db.url,
              200,
            )
          : undefined;
      runs.push({ instances, connections: per * instances, ...result, check, storm });
    } finally {
      for (const c of children) await c.stop();
      await db.drop();
    }
  };
  // Rounds of one then two instances, in turn: the machine's speed drifts, so one run of each
  // would compare different moments. Each run has its own fresh database and its own checks.
  for (let round = 0; round < rounds; round++) {
    await run(1);
    await run(2);
  }

  const summary = [1, 2].map((instances) => {
    const of = runs.filter((r) => r.instances === instances);
    return {
      instances,
      connections: of[0].connections,
      rps: median(of.map((r) => r.rps)),
      rpsMin: Math.min(...of.map((r) => r.rps)),
      rpsMax: Math.max(...of.map((r) => r.rps)),
      p50: median(of.map((r) => r.p50)),
      p99: median(of.map((r) => r.p99)),
      p99Max: Math.max(...of.map((r) => r.p99)),
      events: of.reduce((a, r) => a + r.check.events, 0),
      storms: of.filter((r) => r.storm).length,
      stormEvents: of.find((r) => r.storm)?.storm.events,
    };
  });
  const rows = [
    [
      "pgbench single-row INSERT (baseline)",
      `${pgb.clients} clients`,
      n0(pgb.tps),
      "",
      ms(pgb.latency),
      "",
      "",
      "1.00×",
      "",
    ],
    ...summary.map((r) => [
      `service, ${r.instances} instance${r.instances > 1 ? "s" : ""}`,
      `${r.connections} conns`,
      n0(r.rps),
      `${n0(r.rpsMin)}–${n0(r.rpsMax)}`,
      ms(r.p50),
      ms(r.p99),
      ms(r.p99Max),
      ratio(r.rps, pgb.tps),
      `${n0(r.events)} stored in ${rounds} runs, all PROCESSED, attempts=1${r.storms ? `; ${r.storms} storms of ${r.stormEvents}×3 deliveries ok` : ""}`,
    ]),
  ];
  const text = table(
    `Webhook ingestion on Postgres: signed Stripe checkout.session.expired for unknown sessions (${rounds} rounds of ${seconds} s after ${warmup} s warm-up, 1 and 2 instances in turn; medians of the rounds; baseline = pgbench ${pgb.seconds} s, ${n0(pgb.tps)} tx/s)`,
    ["run", "load", "events/s", "range", "p50", "p99", "worst p99", "× pgbench tx/s", "exactly once"],
    rows,
  );
  return { pgbench: pgb, runs, summary, text };
}
