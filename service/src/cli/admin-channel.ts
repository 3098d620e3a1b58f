// Admin commands for the embedded database, carried out by the process that owns it. PGlite allows
// one process per directory, so while the service runs, `npm run admin` sends its command here
// (loopback only, with the token from the owner record, which only the owner's user can read)
// instead of opening the directory a second time and losing the write.
import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Database } from "../db/database.js";
import type { OwnerRecord } from "../db/embedded-owner.js";
import { type AdminIo, executeAdmin } from "./admin-commands.js";

export const ADMIN_PATH = "/admin/commands";
/** Larger than any admin command line. */
const MAX_BODY = 64 * 1024;

interface CommandRequest {
  argv: string[];
  testMode: boolean;
}

export interface CommandResult {
  code: number;
  out: string[];
  err: string[];
}

export interface AdminChannel {
  url: string;
  token: string;
  close(): Promise<void>;
}

function parseRequest(body: string): CommandRequest | undefined {
  try {
    const value = JSON.parse(body) as Partial<CommandRequest>;
    if (!Array.isArray(value.argv) || !value.argv.every((a) => typeof a === "string")) return undefined;
    if (typeof value.testMode !== "boolean") return undefined;
    return { argv: value.argv, testMode: value.testMode };
  } catch {
    return undefined;
  }
}

function authorized(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith("Bearer ") ? header.slice(7) : "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Serves admin commands on a loopback port, against `db` (which stays open). */
export async function serveAdminChannel(db: Database): Promise<AdminChannel> {
  const token = randomBytes(32).toString("base64url");
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
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
      if (!command) return send(400, { error: "body must be {argv: string[], testMode: boolean}" });
      const result: CommandResult = { code: 1, out: [], err: [] };
      const io: AdminIo = { out: (l) => result.out.push(l), err: (l) => result.err.push(l), env: {} };
      executeAdmin(command.argv, io, async () => ({ db, testMode: command.testMode })).then(
        (code) => send(200, { ...result, code }),
        (error: unknown) => send(500, { ...result, err: [...result.err, `admin: failed: ${String(error)}`] }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sends a command to the owner of the embedded database; resolves to what it printed and its exit code. */
export async function sendToOwner(
  admin: NonNullable<OwnerRecord["admin"]>,
  argv: string[],
  testMode: boolean,
): Promise<CommandResult> {
  const res = await fetch(`${admin.url}${ADMIN_PATH}`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/json" },
    body: JSON.stringify({ argv, testMode } satisfies CommandRequest),
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 200 && res.status !== 500) throw new Error(`the running service answered ${res.status}`);
  return (await res.json()) as CommandResult;
}
