// `npm start`, as a supervisor or a script runs it: a SIGINT or SIGTERM sent to the npm process
// alone (not its process group) stops the service, the sandbox and the demo sites, and frees every
// port and the embedded database.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const dataDir = mkdtempSync(path.join(tmpdir(), "baw-demo-signals-"));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when this process can listen on the port (nothing holds it). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  t.test(`${signal} to the npm start process stops everything`, async (t) => {
    const names = [
      "PORT",
      "SANDBOX_CALENDLY_PORT",
      "SANDBOX_STRIPE_PORT",
      "DEMO_PORT",
      "DEMO_BUILDER_SITE_PORT",
      "DEMO_BLOCKED_PORT",
    ];
    const ports: Record<string, string> = {};
    for (const name of names) ports[name] = String(await freePort());
    const pglite = path.join(dataDir, signal);
    const npm = spawn("npm", ["start"], {
      cwd: root,
      // Its own process group, as under a supervisor: only the npm process gets the signal.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...ports, PGLITE_DIR: pglite, LOG_LEVEL: "warn" },
    });
    t.teardown(() => {
      // Should the test fail, nothing it started may outlive it.
      if (npm.exitCode === null) process.kill(-npm.pid!, "SIGKILL");
    });
    let output = "";
    npm.stderr!.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    const exited = new Promise<void>((resolve) => npm.on("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      npm.stdout!.on("data", (chunk: Buffer) => {
        output += chunk;
        if (output.includes("Press Ctrl-C to stop.")) resolve();
      });
      npm.on("exit", (code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`)));
    });
    for (const name of names) t.notOk(await canListen(Number(ports[name])), `${name} is in use while it runs`);

    process.kill(npm.pid!, signal);
    await exited;
    t.match(output, /shutting down…\nStopped\.\n/, "it says it stopped");
    for (const name of names) t.ok(await canListen(Number(ports[name])), `${name} is free again`);
    t.notOk(existsSync(`${pglite}.owner.json`), "the embedded database was closed");
  });
}
