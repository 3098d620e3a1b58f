// Plain-text tables for the terminal and the docs.
export function table(title, headers, rows) {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? "" : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [`\n${title}`, "", line(headers), sep, ...cells.map(line)].join("\n");
}

export const n0 = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "–");
export const ms = (v) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms` : "–");
export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "–");
export const mb = (v) => (Number.isFinite(v) ? `${(v / 1024 / 1024).toFixed(0)} MB` : "–");
export const kb = (v) => (Number.isFinite(v) ? `${(v / 1024).toFixed(1)} KB` : "–");
