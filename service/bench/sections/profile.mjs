// Diagnostics (BENCH_PROFILE=dir): where the service's time goes on the two paths that miss
// their goals. CPU profiles (V8 sampling profiler, started over IPC after warm-up so start-up
// is not in them) summarised by self time; the cost of one query through Prisma vs node-postgres;
// and the read path taken apart against bare Fastify in the same run: the service as it ships,
// without its request log, and the route alone (servers/route-alone.mjs).
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { openDatabase } from "../../dist/db/database.js";
import { seedDatabase } from "../../dist/db/seed.js";
import { PrismaClient } from "../../dist/generated/prisma/client.js";
import { summarise } from "../lib/cpuprofile.mjs";
import { freshDatabase } from "../lib/db.mjs";
import { ms, n0, ratio, table } from "../lib/format.mjs";
import { expectStatuses, load } from "../lib/load.mjs";
import { cpuMsOf, startChild } from "../lib/proc.mjs";
import { benchSite, serviceEnv, widgetHeaders } from "../lib/site.mjs";
import { signedStripeEvent, uniqueEventRequests } from "../lib/stripe-event.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const server = (name) => path.join(here, "..", "servers", name);
const ROUTE = "/v1/builders/liam/booking-config";

async function perQuery(url) {
  const db = await openDatabase({ kind: "postgres", url });
  await seedDatabase(db.prisma, { sites: [benchSite] });
  await db.close();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const event = JSON.parse(signedStripeEvent("evt_x").body);
  const cases = [
    [
      "SELECT builder by slug: node-postgres",
      () => pool.query('SELECT * FROM "Builder" WHERE slug = $1 LIMIT 1', ["liam"]),
    ],
    [
      "SELECT builder by slug: prisma.$queryRaw",
      () => prisma.$queryRaw`SELECT * FROM "Builder" WHERE slug = ${"liam"} LIMIT 1`,
    ],
    ["SELECT builder by slug: prisma.builder.findUnique", () => prisma.builder.findUnique({ where: { slug: "liam" } })],
    [
      "  … with include: { sessionTypes: true }",
      () => prisma.builder.findUnique({ where: { slug: "liam" }, include: { sessionTypes: true } }),
    ],
    [
      "INSERT webhook event (1.9 KB JSON): node-postgres",
      (i) =>
        pool.query(
          'INSERT INTO "WebhookEvent" (id, provider, "providerEventId", type, payload) VALUES (gen_random_uuid(), $1, $2, $3, $4) RETURNING *',
          ["STRIPE", `evt_pg_${i}_${Math.random()}`, "x", event],
        ),
    ],
    [
      "INSERT webhook event (1.9 KB JSON): prisma.webhookEvent.create",
      (i) =>
        prisma.webhookEvent.create({
          data: { provider: "STRIPE", providerEventId: `evt_prisma_${i}_${Math.random()}`, type: "x", payload: event },
        }),
    ],
  ];
  const rows = [];
  for (const [label, fn] of cases) {
    for (let i = 0; i < 100; i++) await fn(i);
    const n = 600;
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn(i);
    const wall = ((performance.now() - t) * 1000) / n;
    const cpu = process.cpuUsage(cpu0);
    rows.push({ label, wall, cpu: (cpu.user + cpu.system) / n });
  }
  await prisma.$disconnect();
  await pool.end();
  return rows;
}

export async function profileSection({ dir, seconds }) {
  await mkdir(dir, { recursive: true });
  const db = await freshDatabase();
  const out = [];
  const whatIf = [];
  try {
    const queries = await perQuery(db.url);
    const base = queries.find((q) => q.label.endsWith("node-postgres"));
    out.push(
      table(
        "Cost of one query, one connection, sequential (baseline = the same SELECT through node-postgres)",
        ["query", "wall µs", "CPU µs in node", "CPU × node-postgres"],
        queries.map((q) => [
          q.label,
          n0(q.wall),
          n0(q.cpu),
          ratio(q.cpu, q.label.startsWith("INSERT") ? queries[4].cpu : base.cpu),
        ]),
      ),
    );

    const measure = async (label, script, env, headers = {}) => {
      const child = await startChild(server(script), { env: { ...serviceEnv, DATABASE_URL: db.url, ...env } });
      try {
        const o = { url: child.url, path: ROUTE, headers, connections: 10, maxRequests: 200_000 };
        expectStatuses(label, await load({ ...o, seconds: 1 }), [200]);
        const cpuBefore = cpuMsOf(child.pid);
        const r = await load({ ...o, seconds });
        expectStatuses(label, r, [200]);
        whatIf.push({ label, ...r, cpuUs: ((cpuMsOf(child.pid) - cpuBefore) * 1000) / r.responses });
      } finally {
        await child.stop();
      }
    };
    await measure("bare Fastify (baseline)", "bare-fastify.mjs", {});
    await measure("service, as it ships (LOG_LEVEL=info)", "service.mjs", {}, widgetHeaders);
    await measure(
      "service without its request log (logger off)",
      "service.mjs",
      { BENCH_LOGGER: "off" },
      widgetHeaders,
    );
    await measure("the route alone: site check, validation, cached answer", "route-alone.mjs", {}, widgetHeaders);
    const [fastify] = whatIf;
    out.push(
      table(
        `The read path taken apart (Postgres, 10 connections, ${seconds} s; baseline = bare Fastify in the same run)`,
        ["server", "req/s", "p50", "p99", "× bare Fastify", "server CPU/req", "CPU × bare Fastify"],
        whatIf.map((r) => [
          r.label,
          n0(r.rps),
          ms(r.p50),
          ms(r.p99),
          ratio(r.rps, fastify.rps),
          `${r.cpuUs.toFixed(1)} µs`,
          ratio(r.cpuUs, fastify.cpuUs),
        ]),
      ),
    );

    const profiles = {};
    const profile = async (name, run) => {
      const child = await startChild(server("service.mjs"), { env: { ...serviceEnv, DATABASE_URL: db.url } });
      try {
        await run(child, 1);
        await child.ask("profile-start");
        const r = await run(child, seconds);
        const file = await child.ask("profile-stop", { file: path.join(dir, `${name}.cpuprofile`) });
        profiles[name] = { file, rps: r.rps, ...(await summarise(file, 12)) };
      } finally {
        await child.stop();
      }
    };
    await profile("read", (child, s) =>
      load({ url: child.url, path: ROUTE, headers: widgetHeaders, connections: 10, seconds: s, maxRequests: 100_000 }),
    );
    let n = 0;
    await profile("webhooks", (child, s) =>
      load({
        url: child.url,
        connections: 16,
        seconds: s,
        maxRequests: 40_000,
        requests: uniqueEventRequests(`prof${n++}`),
      }),
    );
    for (const [name, p] of Object.entries(profiles)) {
      out.push(
        table(
          `CPU profile, ${name} (${n0(p.rps)} req/s while profiled; process busy ${(p.busyShare * 100).toFixed(0)}% of samples; ${p.file}) — self time by package`,
          ["package", "self time"],
          p.packages,
        ),
        table(`CPU profile, ${name} — top functions by self time`, ["function", "self time"], p.functions),
      );
    }
    return { queries, whatIf, profiles, text: out.join("\n") };
  } finally {
    await db.drop();
  }
}
