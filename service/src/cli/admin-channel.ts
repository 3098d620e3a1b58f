// How `npm run admin` reaches the running service that has the embedded database open: PGlite
// allows one process per directory, so the command goes to that process (loopback only, with the
// token from its owner record, which only the owner's user can read) instead of opening the
// directory a second time and losing the write. The service's side is admin-channel-server.ts.
import type { OwnerRecord } from "../db/embedded-owner.js";

export const ADMIN_PATH = "/admin/commands";

export interface CommandRequest {
  argv: string[];
}

export interface CommandResult {
  code: number;
  out: string[];
  err: string[];
}

/** Sends a command to the owner of the embedded database; resolves to what it printed and its exit code. */
export async function sendToOwner(admin: NonNullable<OwnerRecord["admin"]>, argv: string[]): Promise<CommandResult> {
  const res = await fetch(`${admin.url}${ADMIN_PATH}`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/json" },
    body: JSON.stringify({ argv } satisfies CommandRequest),
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 200) throw new Error(`the running service answered ${res.status} to the admin command`);
  return (await res.json()) as CommandResult;
}
