// `npm start`: builds what the demo serves (the widget bundle and the service), then runs the
// booking service, its sandbox and the demo sites in this one process, saying what it is doing.
// SIGINT or SIGTERM to this process (or to the `npm start` in front of it, which passes them on)
// stops everything and frees every port.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import type { Demo } from "./demo.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const say = (line: string) => process.stdout.write(`${line}\n`);
/** Seconds since this process started (performance.now() counts from there). */
const elapsed = () => performance.now() / 1000;

let demo: Demo | undefined;
let build: ReturnType<typeof spawn> | undefined;
let stopping = false;

function stop(signal: NodeJS.Signals): void {
  if (stopping) {
    process.stderr.write(`\n${signal} again: exiting now.\n`);
    process.exit(130);
  }
  stopping = true;
  say(`\n${signal}: shutting down…`);
  const force = setTimeout(() => {
    process.stderr.write("shutdown took longer than 10 s; exiting.\n");
    process.exit(1);
  }, 10_000);
  force.unref();
  build?.kill(signal);
  // Still starting: what has started is closed once the start returns (below).
  if (!demo) return;
  demo.close().then(
    () => {
      say("Stopped.");
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

/** `turbo run build`, its output shown only when it fails (turbo skips what is up to date). */
function buildAll(): Promise<void> {
  const turbo = path.join(root, "node_modules", ".bin", "turbo");
  return new Promise((resolve, reject) => {
    let output = "";
    build = spawn(turbo, ["run", "build", "--output-logs=errors-only"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TURBO_NO_UPDATE_NOTIFIER: "1" },
    });
    const collect = (chunk: Buffer) => {
      output += chunk;
    };
    build.stdout!.on("data", collect);
    build.stderr!.on("data", collect);
    build.on("error", reject);
    build.on("exit", (code, signal) => {
      build = undefined;
      if (code === 0) resolve();
      else reject(new Error(signal ? `the build stopped (${signal})` : `the build failed:\n${output.trim()}`));
    });
  });
}

/** `<repo>/.env` (see .env.example), if present; variables already set in the environment win. */
function dotEnv(): NodeJS.ProcessEnv {
  const file = path.join(root, ".env");
  if (!existsSync(file)) return {};
  say(`Reading ${file}`);
  return parseEnv(readFileSync(file, "utf8"));
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { LOG_LEVEL: "warn", ...dotEnv(), ...process.env };
  try {
    say("Building the widget and the booking service (a first build takes a minute or two)…");
    const buildStarted = elapsed();
    await buildAll();
    say(`Built in ${(elapsed() - buildStarted).toFixed(1)} s.`);
    if (stopping) return process.exit(130);
    // Imported once built: the demo runs the service from its build output.
    const [{ startDemo }, { banner, textLogStream }, { ConfigError }] = await Promise.all([
      import("./demo.js"),
      import("./banner.js"),
      import("@baw/service"),
    ]);
    try {
      demo = await startDemo({
        env,
        logger: { level: env.LOG_LEVEL, stream: textLogStream((text) => process.stderr.write(text)) },
        onStep: (what) => say(`${what}…`),
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
      process.exit(1);
    }
    if (stopping) {
      await demo.close();
      return process.exit(130);
    }
    say(banner(demo, elapsed()));
  } catch (error) {
    if (stopping) {
      say("Stopped.");
      process.exit(130);
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`demo start failed: ${message}\n`);
    if ((error as { code?: string }).code === "EADDRINUSE") {
      process.stderr.write(
        "Stop whatever uses the port, or choose others: PORT, DEMO_PORT, DEMO_BUILDER_SITE_PORT, DEMO_BLOCKED_PORT, SANDBOX_CALENDLY_PORT, SANDBOX_STRIPE_PORT.\n",
      );
    }
    process.exit(1);
  }
}

await main();
