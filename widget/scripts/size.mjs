// Prints the CDN bundle's gzip size, with Lit's share, and fails over the budget.
// The budget is for dist/cdn/baw-book-builder.js, the one file every page loads. The chunks beside it
// load only when needed and are listed for information.
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

// 12 KB. The entry holds Lit (5.3 KB), the flow as a reducer with shape checks of every service answer,
// and the views every page needs (loading, calendar, the waits before and after checkout, a plain
// error view). Chunks beside it: the calendar's URL and frame and Calendly's messages (loaded beside the
// booking attempt's request), the views of demo, unavailable, sign-in and the choice of session type,
// the error view and its messages, everything from a booked slot or a reservation on, the "Open in
// Calendly" watch, pay first's picker and form (only pages that pay first), and German.
const BUDGET = 12 * 1024;
const dir = new URL("../dist/cdn/", import.meta.url);
const MAIN = "baw-book-builder.js";
const gzip = (buf) => gzipSync(buf, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;

/** Bytes of generated code per source file, from the source map's mappings. */
function bytesBySource(code, map) {
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const lines = code.split("\n");
  const out = new Map();
  let src = 0;
  map.mappings.split(";").forEach((line, li) => {
    let col = 0;
    const segs = [];
    for (const seg of line.split(",").filter(Boolean)) {
      const vals = [];
      let v = 0;
      let shift = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        v += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          vals.push(v & 1 ? -(v >> 1) : v >> 1);
          v = 0;
          shift = 0;
        }
      }
      col += vals[0];
      if (vals.length > 1) src += vals[1];
      segs.push([col, vals.length > 1 ? map.sources[src] : "?"]);
    }
    segs.forEach(([c, s], i) => {
      const end = i + 1 < segs.length ? segs[i + 1][0] : lines[li].length;
      out.set(s, (out.get(s) ?? 0) + end - c);
    });
  });
  return out;
}

const code = readFileSync(new URL(MAIN, dir), "utf8");
const gz = gzip(code);
let lit = "";
try {
  const bySource = bytesBySource(code, JSON.parse(readFileSync(new URL(`${MAIN}.map`, dir), "utf8")));
  let litBytes = 0;
  for (const [s, n] of bySource) if (/node_modules\/(lit-html|lit-element|@lit)\//.test(s)) litBytes += n;
  // gzip has no per-file sizes: Lit's share of the raw bytes, applied to the gzip total.
  lit = `, of which Lit ≈ ${kb((gz * litBytes) / code.length)} (${Math.round((100 * litBytes) / code.length)}% of the code)`;
} catch {}

console.log(`${MAIN}: ${code.length} bytes, ${gz} bytes gzip = ${kb(gz)}${lit}; budget ${kb(BUDGET)}`);
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith(".js") && f !== MAIN)
  .sort()) {
  console.log(`  loaded on demand: ${f}: ${gzip(readFileSync(new URL(f, dir)))} bytes gzip`);
}
if (gz > BUDGET) {
  console.error(`${MAIN} is over budget by ${gz - BUDGET} bytes gzip`);
  process.exit(1);
}
