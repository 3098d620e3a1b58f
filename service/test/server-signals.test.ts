// `npm start -w service`, as a supervisor runs it: SIGTERM sent to the npm process alone
// reaches the service, which closes its port and its database and exits.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startSandbox } from "@baw/sandbox";
import t from "tap";
import { sandboxEventTypes } from "../src/cli/local-sandbox.js";

const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = mkdtempSync(path.join(tmpdir(), "baw-server-signals-"));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

// SIGTERM, what supervisors send; SIGINT takes the same way (npm passes both on, the service handles both).
const signal = "SIGTERM";
t.test("SIGTERM to npm start stops the service", async (t) => {
  const pglite = path.join(dataDir, signal);
  const sandbox = await startSandbox({ stripe: {}, calendly: { eventTypes: sandboxEventTypes } });
  t.teardown(() => sandbox.close());
  const npm = spawn("npm", ["start"], {
    cwd: serviceDir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...sandbox.serviceEnv, PORT: "0", PGLITE_DIR: pglite, LOG_LEVEL: "info" },
  });
  t.teardown(() => {
    if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, "SIGKILL");
  });
  let output = "";
  npm.stderr!.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => npm.on("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    npm.stdout!.on("data", (chunk: Buffer) => {
      output += chunk;
      const found = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (found) resolve(Number(found[1]));
    });
    npm.on("exit", (code) => reject(new Error(`npm start exited (${code}) before listening:\n${output}`)));
  });
  t.notOk(await canListen(port), "the port is in use while it runs");
  t.ok(existsSync(`${pglite}.owner.json`), "the service has the database open");
  process.kill(npm.pid!, signal);
  await exited;
  t.match(output, /shutting down/, "the service heard the signal");
  t.ok(await canListen(port), "the port is free again");
  t.notOk(existsSync(`${pglite}.owner.json`), "the database was closed");
});
