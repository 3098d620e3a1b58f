// The running service's side of admin-channel.ts: admin commands from other processes, carried
// out against the embedded database this process has open, with this process's configuration.
import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import { type AdminIo, runAdmin } from "./admin.js";
import { ADMIN_PATH, type CommandRequest, type CommandResult } from "./admin-channel.js";

/** Larger than any admin command line. */
const MAX_BODY = 64 * 1024;

function parseRequest(body: string): CommandRequest | undefined {
  try {
    const value = JSON.parse(body) as Partial<CommandRequest>;
    if (!Array.isArray(value.argv) || !value.argv.every((a) => typeof a === "string")) return undefined;
    return { argv: value.argv };
  } catch {
    return undefined;
  }
}

function authorized(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith("Bearer ") ? header.slice(7) : "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Takes admin commands on a loopback port for as long as `db` is open, and records where in the
 * embedded database's owner record. Does nothing for a database that has no owner record
 * (PostgreSQL, an in-memory PGlite): any process may open those.
 */
export async function serveAdminChannel(db: Database, config: Config): Promise<void> {
  const owner = db.owner;
  if (!owner) return;
  const token = randomBytes(32).toString("base64url");
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    // Liveness, for a process deciding whether the owner record is stale.
    if (req.method === "HEAD") return void res.writeHead(204).end();
    if (req.method !== "POST" || req.url !== ADMIN_PATH) return send(404, { error: "not_found" });
    if (!authorized(req.headers.authorization, token)) return send(401, { error: "unauthorized" });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      const command = parseRequest(Buffer.concat(chunks).toString("utf8"));
      if (!command) return send(400, { error: "the body must be {argv: string[]}" });
      const result: CommandResult = { code: 1, out: [], err: [] };
      const io: AdminIo = { out: (l) => result.out.push(l), err: (l) => result.err.push(l), env: {} };
      void runAdmin(command.argv, io, async () => ({ db, config })).then((code) => send(200, { ...result, code }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  await owner.publish(
    { url: `http://127.0.0.1:${port}`, token },
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
}
