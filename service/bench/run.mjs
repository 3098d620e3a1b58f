// `npm run bench -w service`: the service's benchmarks, printed as tables with every figure
// a ratio to a baseline measured in the same run. Bounded in requests and seconds; loopback
// only; never fails on speed (only on errors). See docs/BENCHMARKS.md.
//
// BENCH_ONLY=read,webhooks,growth,memory,availability   run some sections
// BENCH_QUICK=1                            shorter runs (a smoke test of the harness)
// BENCH_JSON=file                          also write the raw figures as JSON
// BENCH_PROFILE=dir                        afterwards, CPU-profile the service under read and webhook load
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { dropAll } from "./lib/db.mjs";
import { startBenchSandbox } from "./lib/site.mjs";
import { availabilitySection } from "./sections/availability.mjs";
import { growth } from "./sections/growth.mjs";
import { memorySection } from "./sections/memory.mjs";
import { profileSection } from "./sections/profile.mjs";
import { readPath } from "./sections/read.mjs";
import { webhooks } from "./sections/webhooks.mjs";

const quick = process.env.BENCH_QUICK === "1";
const only = (process.env.BENCH_ONLY ?? "read,webhooks,growth,memory,availability").split(",").map((s) => s.trim());
if (process.env.BENCH_PROFILE) only.push("profile");
const started = performance.now();
const results = {};
const texts = [];

// A hard stop, so the run ends by itself whatever happens.
const HARD_LIMIT_S = Number(process.env.BENCH_HARD_LIMIT_S ?? 600);
setTimeout(() => {
  console.error(`bench: hard time limit of ${HARD_LIMIT_S} s reached; stopping`);
  dropAll().finally(() => process.exit(2));
}, HARD_LIMIT_S * 1000).unref();

const section = async (name, fn) => {
  if (!only.includes(name)) return;
  const t = performance.now();
  process.stderr.write(`bench: ${name}…\n`);
  const out = await fn();
  results[name] = { ...out, text: undefined, sectionSeconds: (performance.now() - t) / 1000, loadavg: os.loadavg() };
  texts.push(out.text);
  process.stdout.write(
    `${out.text}\n(${name}: ${results[name].sectionSeconds.toFixed(0)} s; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} on ${os.cpus().length} cores)\n`,
  );
};

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
console.log(`baw booking service benchmarks — ${new Date().toISOString()} — ${machine}${quick ? " — QUICK" : ""}`);

const sandbox = await startBenchSandbox();
try {
  await section("read", () =>
    readPath({
      seconds: quick ? 1.5 : 3,
      rounds: quick ? 2 : 3,
      warmup: 1,
      connections: 10,
      maxRequests: quick ? 20_000 : 400_000,
    }),
  );
  await section("webhooks", () =>
    webhooks({
      seconds: quick ? 3 : 6,
      warmup: 1,
      connections: 16,
      maxRequests: quick ? 5_000 : 40_000,
      pgbenchSeconds: quick ? 3 : 10,
      rounds: quick ? 1 : 3,
    }),
  );
  await section("growth", () =>
    growth({ tiers: quick ? [1_000, 20_000] : [1_000, 100_000, 1_000_000], seconds: quick ? 1.5 : 3, connections: 1 }),
  );
  await section("memory", () => memorySection(results.read));
  await section("availability", () =>
    availabilitySection({
      sandbox,
      seconds: quick ? 1.5 : 3,
      rounds: quick ? 2 : 3,
      warmup: 1,
      connections: 10,
      maxRequests: quick ? 20_000 : 400_000,
      views: 1000,
      viewSeconds: quick ? 4 : 8,
      ttls: quick ? [2, 0] : [1, 2, 4, 0],
      latencyMs: 150,
    }),
  );
  if (process.env.BENCH_PROFILE) {
    await section("profile", () => profileSection({ dir: process.env.BENCH_PROFILE, seconds: 5 }));
  }
} catch (error) {
  await dropAll();
  console.error(error);
  process.exit(1);
}
await dropAll();
await sandbox.close();
console.log(`\nservice benchmarks took ${((performance.now() - started) / 1000).toFixed(0)} s`);
if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, JSON.stringify({ machine, results }, null, 2));
process.exit(0);
