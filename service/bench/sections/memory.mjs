// 5. Memory: PGlite's footprint (a process with PGlite opened and migrated vs a bare node
// process, in the same run), and the service's RSS idle and under the read benchmark (from
// the read section, when it ran).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { mb, ratio, table } from "../lib/format.mjs";
import { startChild } from "../lib/proc.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const idle = path.join(here, "..", "servers", "idle.mjs");

async function footprint(env) {
  const child = await startChild(idle, { env, execArgv: ["--expose-gc"] });
  try {
    await new Promise((r) => setTimeout(r, 300));
    return { rss: child.rss(), ...(await child.mem()), startupMs: child.ready.startupMs };
  } finally {
    await child.stop();
  }
}

export async function memorySection(read) {
  const bare = await footprint({});
  const dir = await mkdtemp(path.join(tmpdir(), "baw-bench-pglite-mem-"));
  let pglite;
  try {
    pglite = await footprint({ BENCH_PGLITE_DIR: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const rows = [
    ["bare node process (baseline)", mb(bare.rss), mb(bare.heapUsed), "1.00×", ""],
    [
      "node + PGlite opened and migrated (file)",
      mb(pglite.rss),
      mb(pglite.heapUsed),
      ratio(pglite.rss, bare.rss),
      `+${mb(pglite.rss - bare.rss)}, opened in ${pglite.startupMs.toFixed(0)} ms`,
    ],
  ];
  for (const m of read?.memory ?? []) {
    rows.push([
      `${m.label}: idle after start`,
      mb(m.idleRss),
      mb(m.idleHeap),
      ratio(m.idleRss, bare.rss),
      `started in ${m.startupMs.toFixed(0)} ms`,
    ]);
    rows.push([
      `${m.label}: under read load (mean / peak)`,
      `${mb(m.loadRssMean)} / ${mb(m.loadRssPeak)}`,
      mb(m.heapAfter),
      ratio(m.loadRssPeak, bare.rss),
      "peak vs bare node",
    ]);
  }
  const text = table(
    "Memory (RSS from /proc/<pid>/status, heap from process.memoryUsage() over IPC; baseline = a bare node process in the same run)",
    ["process", "RSS", "heap used", "RSS × bare node", "note"],
    rows,
  );
  return { bare, pglite, text };
}
