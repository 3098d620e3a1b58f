// tap's `after` script: every log line the run's services wrote (test apps and cluster processes,
// test/helpers/suite-logs.ts) against every invitee name and e-mail the run used, and against the
// secrets and shapes forbiddenInLogs lists. A finding fails the run.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { forbiddenInLogs, scanLogs } from "./helpers/cluster.js";
import { type PersonalData, personalDataFile, suiteLogDir } from "./helpers/suite-logs.js";

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".log"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const people: PersonalData[] = existsSync(personalDataFile)
  ? readFileSync(personalDataFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as PersonalData)
  : [];
const names = new Set(people.map((p) => p.name?.trim()).filter((n): n is string => Boolean(n)));
const emails = new Set(people.map((p) => p.email?.trim()).filter((e): e is string => Boolean(e)));
const extra: [string, string | RegExp][] = [
  // Whole words, so a short first name does not match inside another word.
  ...[...names].map((name): [string, RegExp] => [
    `the invitee name "${name}"`,
    new RegExp(`\\b${escapeRegExp(name)}\\b`),
  ]),
  ...[...emails].map((email): [string, string] => [`the e-mail "${email}"`, email]),
];
const files = logFiles(suiteLogDir);
const scan = scanLogs(files, forbiddenInLogs(extra));
for (const f of scan.findings.slice(0, 20)) {
  console.error(`${path.relative(suiteLogDir, f.file)}:${f.line}: ${f.what}: …${f.excerpt}…`);
}
const summary = `log scan: ${scan.lines} lines in ${scan.files} files, ${names.size} names and ${emails.size} e-mails looked for`;
if (scan.findings.length > 0) {
  console.error(`${summary}: ${scan.findings.length} finding(s)`);
  process.exit(1);
}
console.log(`${summary}: none found`);
