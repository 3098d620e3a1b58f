// Adds up the pass/fail counts that tap and @web/test-runner print, and prints the one
// summary line CI reads. Exits non-zero when anything failed or nothing ran.
import { readFileSync } from "node:fs";

const [logFile, status] = process.argv.slice(2);
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes from the log
const text = readFileSync(logFile, "utf8").replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
let passed = 0;
let failed = 0;
let runs = 0;
// tap: "# { total: 32, pass: 31, fail: 1 }"
for (const m of text.matchAll(/#\s*\{\s*total:\s*(\d+)([^}]*)\}/g)) {
  runs++;
  passed += Number(/pass:\s*(\d+)/.exec(m[2])?.[1] ?? 0);
  failed += Number(/fail:\s*(\d+)/.exec(m[2])?.[1] ?? 0);
}
// @web/test-runner: "… 25 passed, 0 failed" on its final summary line
const wtr = [...text.matchAll(/(\d+) passed, (\d+) failed/g)];
if (wtr.length > 0) {
  const last = wtr[wtr.length - 1];
  runs++;
  passed += Number(last[1]);
  failed += Number(last[2]);
}
if (Number(status) !== 0 && failed === 0) failed = 1;
if (runs === 0) failed = Math.max(failed, 1);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || Number(status) !== 0 ? 1 : 0);
