// One process at a time may open an on-disk PGlite directory: a second PGlite over the same files
// writes into its own copy and loses it. The owner records itself in `<dir>.owner.json` (process
// id, and where it takes admin commands), so other processes can hand their writes to it or
// refuse with one line instead of opening the directory.
import { open, readFile, rm } from "node:fs/promises";
import http from "node:http";
import path from "node:path";

export interface OwnerRecord {
  pid: number;
  /** Where the owner carries out admin commands for other processes (a running service). */
  admin?: { url: string; token: string };
}

export class EmbeddedDatabaseInUse extends Error {
  override name = "EmbeddedDatabaseInUse";
  constructor(
    readonly dir: string,
    readonly owner: OwnerRecord,
  ) {
    super(
      `PGlite at ${dir} is in use by process ${owner.pid}${owner.admin ? " (a running service)" : ""}; ` +
        `one process at a time may open it (if no such process runs, delete ${ownerFile(dir)})`,
    );
  }
}

/** Directories this process owns, so a second open in the same process is refused too. */
const ownedHere = new Set<string>();

export function ownerFile(dir: string): string {
  return `${path.resolve(dir)}.owner.json`;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when something accepts connections at the owner's admin address. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: "HEAD", timeout: 2000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    // A timeout means a busy owner, not a dead one.
    req.on("error", (error) => resolve((error as NodeJS.ErrnoException).code !== "ECONNREFUSED"));
    req.end();
  });
}

async function readRecord(file: string): Promise<OwnerRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, "utf8")) as OwnerRecord;
    return Number.isInteger(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The process that has `dir` open, or undefined when none does. A record left by a process that
 * died (a crash, SIGKILL) does not count: its process is gone, or its admin address refuses
 * connections while its process id now belongs to something else.
 */
export async function currentOwner(dir: string): Promise<OwnerRecord | undefined> {
  const resolved = path.resolve(dir);
  const record = await readRecord(ownerFile(resolved));
  if (!record) return undefined;
  if (record.pid === process.pid) return ownedHere.has(resolved) ? record : undefined;
  if (!processRuns(record.pid)) return undefined;
  if (record.admin && !(await answers(record.admin.url))) return undefined;
  return record;
}

export interface EmbeddedClaim {
  readonly file: string;
  /** Records where this process takes admin commands. */
  publish(admin: NonNullable<OwnerRecord["admin"]>): Promise<void>;
  /** Gives the directory up (only if the record is still this claim's). */
  release(): Promise<void>;
}

/** Makes this process the owner of `dir`, or throws EmbeddedDatabaseInUse. */
export async function claimEmbedded(dir: string): Promise<EmbeddedClaim> {
  const resolved = path.resolve(dir);
  const file = ownerFile(resolved);
  let record: OwnerRecord = { pid: process.pid };
  const write = async (flag: "wx" | "w") => {
    const handle = await open(file, flag, 0o600);
    try {
      await handle.writeFile(JSON.stringify(record));
    } finally {
      await handle.close();
    }
  };
  if (ownedHere.has(resolved)) throw new EmbeddedDatabaseInUse(resolved, (await readRecord(file)) ?? record);
  for (let attempt = 0; ; attempt++) {
    try {
      await write("wx");
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      const owner = await currentOwner(resolved);
      if (owner) throw new EmbeddedDatabaseInUse(resolved, owner);
      await rm(file, { force: true });
    }
  }
  ownedHere.add(resolved);
  let released = false;
  return {
    file,
    publish: async (admin) => {
      record = { ...record, admin };
      await write("w");
    },
    release: async () => {
      if (released) return;
      released = true;
      ownedHere.delete(resolved);
      const current = await readRecord(file);
      if (current?.pid === process.pid && current.admin?.token === record.admin?.token) await rm(file, { force: true });
    },
  };
}
