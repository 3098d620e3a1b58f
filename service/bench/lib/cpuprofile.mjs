// Summarises a V8 .cpuprofile: self time per function (and per package), heaviest first.
import { readFile } from "node:fs/promises";

const where = (url) => {
  if (!url) return "(native)";
  if (url.startsWith("wasm://")) return "(WebAssembly)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith("node:")) return "node";
  const dist = url.indexOf("/service/dist/");
  if (dist >= 0) return `service/${url.slice(dist + 14)}`;
  return url.replace(/^file:\/\//, "");
};

export async function summarise(file, top = 15) {
  const profile = JSON.parse(await readFile(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const fns = new Map();
  const pkgs = new Map();
  let idle = 0;
  for (const [id, count] of counts) {
    const { callFrame: f } = byId.get(id);
    if (f.functionName === "(idle)") {
      idle += count;
      continue;
    }
    const file = where(f.url);
    const key = `${f.functionName || "(anonymous)"} ${file}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    fns.set(key, (fns.get(key) ?? 0) + count);
    const pkg = f.url
      ? file.split("/")[0] === "service"
        ? file
        : file
            .split("/")
            .slice(0, file.startsWith("@") ? 2 : 1)
            .join("/")
      : f.functionName;
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + count);
  }
  const busy = total - idle;
  const pct = (c) => `${((100 * c) / busy).toFixed(1)}%`;
  const sort = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    total,
    busyShare: busy / total,
    functions: sort(fns).map(([k, c]) => [k, pct(c)]),
    packages: sort(pkgs).map(([k, c]) => [k, pct(c)]),
  };
}
