// `npm start`: the booking service, its sandbox, and the demo sites, in one process.
// Ctrl-C (SIGINT) or SIGTERM closes the web servers and the service (and with it PGlite).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { ConfigError, repoRoot } from "@baw/service";
import { type Demo, startDemo } from "./demo.js";

const started = performance.now();

/** `<repo>/.env` (see .env.example), if present; variables already set in the environment win. */
function dotEnv(): NodeJS.ProcessEnv {
  const file = path.join(repoRoot, ".env");
  if (!existsSync(file)) return {};
  process.stdout.write(`Reading ${file}\n`);
  return parseEnv(readFileSync(file, "utf8"));
}

const env: NodeJS.ProcessEnv = { LOG_LEVEL: "warn", ...dotEnv(), ...process.env };

function printUrls(demo: Demo): void {
  const u = demo.urls;
  const { stripe, calendly } = demo.config;
  const mode =
    stripe.sandbox && calendly.sandbox
      ? "sandbox mode: Calendly and Stripe are simulated locally; no real bookings, no real money"
      : demo.sandbox
        ? `partly sandbox mode: ${stripe.sandbox ? "Stripe" : "Calendly"} is simulated, ${stripe.sandbox ? "Calendly" : "Stripe"} is real`
        : "live mode: real Calendly and Stripe credentials are in use";
  const rows: [string, string | undefined][] = [
    ["Marketplace", u.marketplace],
    ["Book Liam", u.liamBooking],
    ["Builder's own site (cross-origin)", u.builderSite],
    ["Origin that is not allowed", u.blocked],
    ["Sandboxed iframe (new-tab checkout)", u.sandboxedEmbed],
    ["Booking API", u.api],
    ["API docs", u.apiDocs],
    ["Sandbox Calendly", u.sandboxCalendly],
    ["Sandbox Stripe", u.sandboxStripe],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.filter(([, url]) => url).map(([label, url]) => `  ${label.padEnd(width)}  ${url}`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    [
      "",
      `baw booking demo is running (${mode}).`,
      "",
      "Open:",
      ...lines,
      "",
      `Site keys: marketplace ${demo.keys.marketplace}, builder's site ${demo.keys.builderSite}`,
      `Database: ${demo.config.database.kind === "pglite" ? `PGlite in ${demo.config.database.dir}` : "PostgreSQL (DATABASE_URL)"}`,
      `Ready in ${seconds} s. Press Ctrl-C to stop.`,
      "",
    ].join("\n"),
  );
}

async function main(): Promise<void> {
  let demo: Demo;
  try {
    demo = await startDemo({ env });
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`demo start failed: ${message}\n`);
      if ((error as { code?: string }).code === "EADDRINUSE") {
        process.stderr.write(
          "Stop whatever uses the port, or choose others: PORT, DEMO_PORT, DEMO_BUILDER_SITE_PORT, DEMO_BLOCKED_PORT, SANDBOX_CALENDLY_PORT, SANDBOX_STRIPE_PORT.\n",
        );
      }
    }
    process.exit(1);
  }
  printUrls(demo);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`\n${signal} again: exiting now.\n`);
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: shutting down…\n`);
    const force = setTimeout(() => {
      process.stderr.write("shutdown took longer than 10 s; exiting.\n");
      process.exit(1);
    }, 10_000);
    force.unref();
    demo.close().then(
      () => {
        process.stdout.write("Stopped.\n");
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

await main();
