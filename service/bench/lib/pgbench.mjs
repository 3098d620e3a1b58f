// Baseline for write paths: pgbench's own client inserting single rows, one transaction each.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { withClient } from "./db.mjs";

const SCRIPT = `\\set r random(1, 1000000000)
INSERT INTO t VALUES (:r, md5(:r::text), now());
`;

/** Runs `pgbench -n -c clients -j 2 -T seconds` with a one-row INSERT script in the database at `url`. */
export async function pgbenchInsert(url, { clients = 4, seconds = 10 } = {}) {
  await withClient(url, (c) => c.query("CREATE TABLE t (id bigint, payload text, at timestamptz)"));
  const dir = await mkdtemp(path.join(tmpdir(), "baw-pgbench-"));
  const file = path.join(dir, "insert.sql");
  await writeFile(file, SCRIPT);
  const u = new URL(url);
  const args = ["-n", "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", file];
  args.push("-h", u.hostname, "-p", u.port || "5432", "-U", decodeURIComponent(u.username || "postgres"));
  args.push(u.pathname.slice(1));
  try {
    const out = await new Promise((resolve, reject) => {
      const child = spawn("pgbench", args, { stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.stderr.on("data", (d) => (text += d));
      const killer = setTimeout(() => child.kill("SIGKILL"), (seconds + 30) * 1000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(killer);
        code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text}`));
      });
    });
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
    const latency = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
    if (!Number.isFinite(tps)) throw new Error(`could not read pgbench output: ${out}`);
    return { tps, latency, clients, seconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
