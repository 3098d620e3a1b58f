// @web/test-runner in Debian's Chromium (no browser download). The booking service is mocked by
// test/mock-service.js; the fake Calendly page is test/fixtures/fake-calendly.html, which the tests
// load from http://127.0.0.1:<port> while the test page is http://localhost:<port>, so the two are
// different origins.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { esbuildPlugin } from "@web/dev-server-esbuild";
import { chromeLauncher } from "@web/test-runner-chrome";
import { CHROMIUM, CHROMIUM_ARGS } from "./scripts/chromium.mjs";
import { mockService } from "./test/mock-service.js";

const require = createRequire(import.meta.url);
const axe = readFileSync(require.resolve("axe-core/axe.min.js"));

export default {
  files: ["test/**/*.test.ts"],
  nodeResolve: true,
  // One page at a time: the keyboard and focus tests need the page to have focus.
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 180_000,
  testFramework: { config: { timeout: 10_000 } },
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
    }),
  ],
  middleware: [
    mockService(),
    // The CDN bundle from a folder where nothing but the entry loads: every chunk import fails, as offline.
    function cdnWithoutChunks(ctx, next) {
      if (!ctx.path.startsWith("/cdn-without-chunks/")) return next();
      if (ctx.path !== "/cdn-without-chunks/baw-book-builder.js") {
        ctx.status = 503;
        return;
      }
      ctx.type = "application/javascript";
      ctx.body = readFileSync(new URL("./dist/cdn/baw-book-builder.js", import.meta.url));
    },
    function axeScript(ctx, next) {
      if (ctx.path !== "/axe.min.js") return next();
      ctx.type = "application/javascript";
      ctx.body = axe;
    },
  ],
  plugins: [
    // useDefineForClassFields: false comes from tsconfig.json: Lit's reactive fields need it.
    esbuildPlugin({ ts: true, target: "es2022", tsconfig: fileURLToPath(new URL("./tsconfig.json", import.meta.url)) }),
  ],
};
