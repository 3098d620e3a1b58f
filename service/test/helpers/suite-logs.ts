// Every service log line the service's test run writes, kept for one scan at its end
// (test/suite-log-scan.ts, tap's `after` script): test apps log at debug into this directory,
// the multi-process clusters write their instances' logs here, and each test app records the
// invitee names and e-mails it handled, so the scan looks for every one of them.
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeCalendly } from "@baw/sandbox";
import type { Database } from "../../src/db/database.js";
import { type PersonalData, recordPersonalData, runLogDir } from "./log-scan.js";

/** Cleared before each run (test/suite-log-reset.ts, tap's `before` script). */
export const suiteLogDir = runLogDir(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", ".."));

const testName = path.basename(process.argv[1] ?? "test", ".ts").replace(/\W+/g, "-");
let stream: WriteStream | undefined;

/** This test process's log file: every test app in it appends here. */
export function suiteLogStream(): { write(line: string): void } {
  if (!stream) {
    mkdirSync(suiteLogDir, { recursive: true });
    stream = createWriteStream(path.join(suiteLogDir, `${testName}-${process.pid}.log`), { flags: "a" });
  }
  const out = stream;
  return { write: (line) => void out.write(line) };
}

/** A directory for one cluster's log files, inside the run's. */
export function suiteLogSubdir(name: string): string {
  const dir = path.join(suiteLogDir, `${testName}-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Records every invitee and customer in a test's database and fake Calendly. */
export async function recordPeopleOf(db: Database | undefined, calendly?: FakeCalendly): Promise<void> {
  const people: PersonalData[] = (calendly?.invitees ?? []).map((i) => ({ name: i.name, email: i.email }));
  if (db) {
    try {
      const [bookings, attempts] = await Promise.all([
        db.prisma.booking.findMany({ select: { inviteeName: true, inviteeEmail: true } }),
        db.prisma.bookingAttempt.findMany({ select: { customerName: true, customerEmail: true } }),
      ]);
      people.push(...bookings.map((b) => ({ name: b.inviteeName, email: b.inviteeEmail })));
      people.push(...attempts.map((a) => ({ name: a.customerName, email: a.customerEmail })));
    } catch {
      // A test that took its database away; the fake Calendly's invitees are recorded still.
    }
  }
  recordPersonalData(suiteLogDir, people);
}
