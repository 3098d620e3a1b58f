// `npm run bench -w widget`: the CDN bundle's weight and the element's cost in Chromium, as
// tables where every figure is a ratio to a baseline measured in the same run. Loopback only
// (a stub service and a stub Calendly page on 127.0.0.1/localhost); bounded in iterations and
// seconds; never fails on speed (only on errors). See docs/BENCHMARKS.md.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "../scripts/chromium.mjs";
import { startServer } from "./stub-server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const widgetDir = path.join(here, "..");
const cdnDir = path.join(widgetDir, "dist", "cdn");
const bundlePath = path.join(cdnDir, "baw-book-builder.js");
const quick = process.env.BENCH_QUICK === "1";
const ITERATIONS = quick ? 8 : 30;
const REPEATS = quick ? 3 : 7;
const HARD_LIMIT_S = 240;

setTimeout(() => {
  console.error(`widget bench: hard time limit of ${HARD_LIMIT_S} s reached; stopping`);
  process.exit(2);
}, HARD_LIMIT_S * 1000).unref();

if (!existsSync(bundlePath)) {
  console.error(
    `widget bench: ${path.relative(process.cwd(), bundlePath)} is missing; run \`npm run build -w widget\` first`,
  );
  process.exit(1);
}

// ---------------------------------------------------------------- tables
const table = (title, headers, rows) => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? "").length)));
  const line = (r) =>
    `| ${r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(" | ")} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [`\n${title}`, "", line(headers), sep, ...rows.map(line)].join("\n");
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const msf = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : "–");
const x = (a, b) => (b ? `${(a / b).toFixed(2)}×` : "–");
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : Number.NaN;
};
const pct = (a, p) => {
  const s = [...a].sort((m, n) => m - n);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

// ---------------------------------------------------------------- 1. bundle size and Lit's share
async function sizes() {
  const bundle = readFileSync(bundlePath);
  const gz = (b) => gzipSync(b, { level: 9 }).length;
  // Lit alone: exactly what the element imports from lit, bundled and minified.
  const litOnly = await build({
    stdin: {
      contents: `export { LitElement, html, nothing, unsafeCSS } from "lit";`,
      resolveDir: widgetDir,
      loader: "js",
    },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    write: false,
    legalComments: "none",
  });
  const lit = Buffer.from(litOnly.outputFiles[0].contents);
  const chunks = (await import("node:fs"))
    .readdirSync(cdnDir)
    .filter((f) => f.endsWith(".js") && f !== "baw-book-builder.js")
    .map((f) => ({ f, b: readFileSync(path.join(cdnDir, f)) }));
  const rows = [
    ["Lit alone, esbuild --minify (baseline)", kb(lit.length), kb(gz(lit)), "1.00×", ""],
    [
      "dist/cdn/baw-book-builder.js (the CDN bundle)",
      kb(bundle.length),
      kb(gz(bundle)),
      x(gz(bundle), gz(lit)),
      `Lit ≈ ${((100 * gz(lit)) / gz(bundle)).toFixed(0)}% of its gzip`,
    ],
    [
      "  the element's own code (bundle − Lit, gzip)",
      "",
      kb(gz(bundle) - gz(lit)),
      x(gz(bundle) - gz(lit), gz(lit)),
      "approximate: gzip is not additive",
    ],
    ...chunks.map(({ f, b }) => [`dist/cdn/${f} (loaded on demand)`, kb(b.length), kb(gz(b)), x(gz(b), gz(lit)), ""]),
  ];
  return {
    bundleGzip: gz(bundle),
    litGzip: gz(lit),
    text: table(
      "Widget bundle (gzip -9; baseline = Lit bundled alone in the same run)",
      ["artefact", "raw", "gzip", "× Lit alone", "note"],
      rows,
    ),
  };
}

// ---------------------------------------------------------------- 2. connect → iframe, warm
async function connectToIframe(browser, pageBase) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${pageBase}/timing`);
  const out = await page.evaluate(async (n) => {
    await customElements.whenDefined("baw-book-builder");
    const main = document.getElementById("main");
    const times = [];
    const floors = [];
    for (let i = 0; i < n; i++) {
      // The network floor: the same two requests the element makes, back to back, from this page.
      performance.mark(`floor-start-${i}`);
      await (
        await fetch("/v1/builders/liam/booking-config", { headers: { "x-baw-site-key": "pk_test_bench" } })
      ).json();
      await (
        await fetch("/v1/booking-attempts", {
          method: "POST",
          headers: { "content-type": "application/json", "x-baw-site-key": "pk_test_bench" },
          body: "{}",
        })
      ).json();
      floors.push(performance.measure(`floor-${i}`, `floor-start-${i}`).duration);

      const el = document.createElement("baw-book-builder");
      el.setAttribute("builder", "liam");
      el.setAttribute("site-key", "pk_test_bench");
      const inserted = new Promise((resolve) => {
        const check = () => {
          if (el.shadowRoot?.querySelector("iframe")) {
            performance.mark(`iframe-${i}`);
            resolve();
            return true;
          }
          return false;
        };
        el.addEventListener("baw-state-change", () => queueMicrotask(() => el.updateComplete.then(check)));
        const mo = new MutationObserver(() => check() && mo.disconnect());
        queueMicrotask(() => el.shadowRoot && mo.observe(el.shadowRoot, { childList: true, subtree: true }));
      });
      performance.mark(`connect-${i}`);
      main.append(el);
      await inserted;
      times.push(performance.measure(`connect-iframe-${i}`, `connect-${i}`, `iframe-${i}`).duration);
      el.remove();
      await new Promise((r) => setTimeout(r, 20));
    }
    return { times, floors };
  }, ITERATIONS);
  await context.close();
  const warm = out.times.slice(3); // the first runs warm up the JIT and the connection
  const floor = out.floors.slice(3);
  return { median: median(warm), p90: pct(warm, 90), floorMedian: median(floor), n: warm.length };
}

// ---------------------------------------------------------------- 3. main-thread time added to a host page
async function mainThread(browser, pageBase) {
  const once = async (mode) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.addInitScript(() => {
      window.__long = [];
      new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration))).observe({
        type: "longtask",
        buffered: true,
      });
    });
    await page.goto(`${pageBase}/host?with=${mode}`, { waitUntil: "load" });
    if (mode === "1") {
      await page.waitForFunction(
        () => document.querySelector("baw-book-builder")?.shadowRoot?.querySelector("iframe"),
        null,
        { timeout: 15_000 },
      );
    }
    await page.waitForTimeout(500);
    const { metrics } = await cdp.send("Performance.getMetrics");
    const m = Object.fromEntries(metrics.map((e) => [e.name, e.value]));
    const longTasks = await page.evaluate(() => window.__long);
    await context.close();
    return {
      cpu: m.ThreadTime * 1000,
      task: m.TaskDuration * 1000,
      script: m.ScriptDuration * 1000,
      layout: (m.LayoutDuration + m.RecalcStyleDuration) * 1000,
      longTasks: longTasks.length,
      longMs: longTasks.reduce((a, b) => a + b, 0),
    };
  };
  const without = [];
  const withEl = [];
  const iframe = [];
  for (let i = 0; i < REPEATS; i++) {
    without.push(await once("0"));
    withEl.push(await once("1"));
    iframe.push(await once("iframe"));
  }
  const med = (arr, k) => median(arr.map((r) => r[k]));
  const pick = (arr) => ({
    cpu: med(arr, "cpu"),
    task: med(arr, "task"),
    script: med(arr, "script"),
    layout: med(arr, "layout"),
    longTasks: med(arr, "longTasks"),
  });
  return { without: pick(without), with: pick(withEl), iframe: pick(iframe) };
}

// ---------------------------------------------------------------- 4. what `lazy` saves on a long page
async function lazySavings(browser, pageBase) {
  const once = async (lazy) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const seen = [];
    context.on("requestfinished", async (req) => {
      const s = await req.sizes().catch(() => null);
      seen.push({ url: req.url(), bytes: s ? s.responseBodySize + s.responseHeadersSize : 0 });
    });
    await page.goto(`${pageBase}/long?lazy=${lazy ? 1 : 0}`, { waitUntil: "load" });
    await page.waitForTimeout(1200);
    const before = {
      requests: seen.length,
      bytes: seen.reduce((a, r) => a + r.bytes, 0),
      attempts: seen.filter((r) => r.url.includes("/v1/booking-attempts")).length,
      calendly: seen.filter((r) => r.url.includes("/calendly/")).length,
      // Where the host page is now: the element must not scroll the page to itself on load.
      scrollY: await page.evaluate(() => window.scrollY),
    };
    await page.locator("baw-book-builder").scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () => document.querySelector("baw-book-builder")?.shadowRoot?.querySelector("iframe"),
      null,
      { timeout: 15_000 },
    );
    await page.waitForTimeout(800);
    const after = { requests: seen.length, bytes: seen.reduce((a, r) => a + r.bytes, 0) };
    await context.close();
    return { before, after };
  };
  const eager = await once(false);
  const lazy = await once(true);
  return { eager, lazy };
}

// ---------------------------------------------------------------- run
const started = performance.now();
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}`;
console.log(`baw-book-builder widget benchmarks — ${new Date().toISOString()} — ${machine}${quick ? " — QUICK" : ""}`);
const size = await sizes();
console.log(size.text);

const { server, pageBase } = await startServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
let failed = false;
try {
  const version = browser.version();
  const ci = await connectToIframe(browser, pageBase);
  const mt = await mainThread(browser, pageBase);
  const lz = await lazySavings(browser, pageBase);
  console.log(
    table(
      `Element in Chromium ${version} (stub service answering at once; stub Calendly on another site)`,
      ["measure", "value", "baseline", "× baseline"],
      [
        [
          `connect → Calendly iframe inserted, warm (median of ${ci.n})`,
          msf(ci.median),
          `${msf(ci.floorMedian)} (the same 2 requests by bare fetch)`,
          x(ci.median, ci.floorMedian),
        ],
        [`connect → Calendly iframe inserted, warm (p90)`, msf(ci.p90), msf(ci.floorMedian), x(ci.p90, ci.floorMedian)],
        [
          `host page main thread, CPU (CDP ThreadTime, median of ${REPEATS})`,
          msf(mt.with.cpu),
          `${msf(mt.without.cpu)} (same page without element)`,
          x(mt.with.cpu, mt.without.cpu),
        ],
        ["  … added by the element", msf(mt.with.cpu - mt.without.cpu), "", ""],
        [
          "  … a plain Calendly iframe instead of the element",
          msf(mt.iframe.cpu),
          msf(mt.without.cpu),
          x(mt.iframe.cpu, mt.without.cpu),
        ],
        [
          "  TaskDuration (wall time in tasks)",
          msf(mt.with.task),
          msf(mt.without.task),
          x(mt.with.task, mt.without.task),
        ],
        ["  ScriptDuration", msf(mt.with.script), msf(mt.without.script), x(mt.with.script, mt.without.script)],
        ["  Layout + RecalcStyle", msf(mt.with.layout), msf(mt.without.layout), x(mt.with.layout, mt.without.layout)],
        ["  long tasks (> 50 ms)", String(mt.with.longTasks), String(mt.without.longTasks), ""],
        [
          "long page, before scrolling: requests (lazy vs eager)",
          String(lz.lazy.before.requests),
          String(lz.eager.before.requests),
          x(lz.lazy.before.requests, lz.eager.before.requests),
        ],
        [
          "long page, before scrolling: bytes (lazy vs eager)",
          kb(lz.lazy.before.bytes),
          kb(lz.eager.before.bytes),
          x(lz.lazy.before.bytes, lz.eager.before.bytes),
        ],
        [
          "long page, before scrolling: booking attempts / Calendly loads",
          `${lz.lazy.before.attempts} / ${lz.lazy.before.calendly}`,
          `${lz.eager.before.attempts} / ${lz.eager.before.calendly}`,
          "",
        ],
        [
          "long page: host scrolled by the element on load (scrollY)",
          `${lz.lazy.before.scrollY}px`,
          `${lz.eager.before.scrollY}px`,
          lz.lazy.before.scrollY > 0 ? "page jumped" : "ok",
        ],
        [
          "long page, after scrolling to the element: requests",
          String(lz.lazy.after.requests),
          String(lz.eager.after.requests),
          x(lz.lazy.after.requests, lz.eager.after.requests),
        ],
      ],
    ),
  );
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await browser.close();
  server.close();
}
console.log(`\nwidget benchmarks took ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
