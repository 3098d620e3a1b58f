// Scanning service logs for personal data and secrets, and the run-wide scan over a workspace's
// test logs. No imports from the service, so the end-to-end workspace scans its logs with it too.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface LogFinding {
  file: string;
  line: number;
  what: string;
  excerpt: string;
}

export interface LogScan {
  files: number;
  lines: number;
  findings: LogFinding[];
}

/** PII and secrets of any kind, by shape. */
export const forbiddenShapes: readonly [string, RegExp][] = [
  ["an email address", /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/],
  ["a URL-encoded email address", /[A-Za-z0-9._+-]+%40[A-Za-z0-9.-]+\.[A-Za-z]{2,}/],
  ["a Stripe key of any kind", /\b(sk|rk)_(test|live)_[A-Za-z0-9]{6,}/],
  ["a webhook secret of any kind", /whsec_[A-Za-z0-9]{4,}/],
  ["a webhook signature", /v1=[0-9a-f]{16,}/i],
  ["a partner secret key", /baw_sk_[A-Za-z0-9]{4,}[._-][A-Za-z0-9]{8,}/],
  ["a booking token", /\bbt_[A-Za-z0-9_-]{20,}/],
  ["a JWT (a Calendly OAuth token, a customer token)", /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./],
];

/** Scans log files line by line for every forbidden pattern. */
export function scanLogs(files: string[], forbidden: readonly [string, string | RegExp][]): LogScan {
  const findings: LogFinding[] = [];
  let lines = 0;
  for (const file of files) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const all = text.split("\n");
    lines += all.length;
    all.forEach((line, i) => {
      for (const [what, needle] of forbidden) {
        const at = typeof needle === "string" ? line.indexOf(needle) : line.search(needle);
        if (at >= 0) {
          findings.push({ file, line: i + 1, what, excerpt: line.slice(Math.max(0, at - 80), at + 80) });
        }
      }
    });
  }
  return { files: files.length, lines, findings };
}

// ---- the run-wide scan ------------------------------------------------------------------------

export interface PersonalData {
  name?: string | null;
  email?: string | null;
}

/** Where a workspace's test run keeps its service logs (cleared by its tap `before` script). */
export const runLogDir = (workspaceDir: string) => path.join(workspaceDir, ".tap", "service-logs");
const personalDataFile = (dir: string) => path.join(dir, "personal-data.jsonl");

/** Records names and e-mails that must not appear in any log line of the run. */
export function recordPersonalData(dir: string, people: PersonalData[]): void {
  const lines = people
    .filter((p) => p.name || p.email)
    .map((p) => `${JSON.stringify({ name: p.name ?? undefined, email: p.email ?? undefined })}\n`)
    .join("");
  if (!lines) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(personalDataFile(dir), lines);
}

const secretsFile = (dir: string) => path.join(dir, "secrets.txt");

/** Records secrets a test saw (OAuth tokens the fake issued) that must not appear in any log line. */
export function recordSecrets(dir: string, secrets: readonly string[]): void {
  const lines = secrets
    .filter((s) => s.length >= 12)
    .map((s) => `${s}\n`)
    .join("");
  if (!lines) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(secretsFile(dir), lines);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Scans every log file under `dir` for every name and e-mail recorded there and for `forbidden`;
 * prints the findings and a summary, and returns the exit code for tap's `after` script.
 */
export function scanRunLogs(dir: string, forbidden: readonly [string, string | RegExp][]): number {
  const people: PersonalData[] = existsSync(personalDataFile(dir))
    ? readFileSync(personalDataFile(dir), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as PersonalData)
    : [];
  const names = new Set(people.map((p) => p.name?.trim()).filter((n): n is string => Boolean(n)));
  const emails = new Set(people.map((p) => p.email?.trim()).filter((e): e is string => Boolean(e)));
  const secrets = existsSync(secretsFile(dir))
    ? new Set(readFileSync(secretsFile(dir), "utf8").split("\n").filter(Boolean))
    : new Set<string>();
  const everyone: [string, string | RegExp][] = [
    ...[...secrets].map((secret): [string, string] => ["a token a test recorded", secret]),
    // Whole words, so a short first name does not match inside another word.
    ...[...names].map((name): [string, RegExp] => [
      `the invitee name "${name}"`,
      new RegExp(`\\b${escapeRegExp(name)}\\b`),
    ]),
    ...[...emails].map((email): [string, string] => [`the e-mail "${email}"`, email]),
  ];
  const files = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(".log"))
        .map((entry) => path.join(entry.parentPath, entry.name))
    : [];
  const scan = scanLogs(files, [...forbidden, ...everyone]);
  for (const f of scan.findings.slice(0, 20)) {
    console.error(`${path.relative(dir, f.file)}:${f.line}: ${f.what}: …${f.excerpt}…`);
  }
  const summary = `log scan: ${scan.lines} lines in ${scan.files} files, ${names.size} names, ${emails.size} e-mails and ${secrets.size} tokens looked for`;
  if (scan.findings.length > 0) {
    console.error(`${summary}: ${scan.findings.length} finding(s)`);
    return 1;
  }
  console.log(`${summary}: none found`);
  return 0;
}
