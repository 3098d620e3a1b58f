// What `npm start` prints: the demo's URLs once it runs, and the service's log lines as text.
import type { Demo } from "./demo.js";

export function banner(demo: Demo, seconds: number): string {
  const u = demo.urls;
  const { stripe, calendly } = demo.config;
  const mode =
    stripe.sandbox && calendly.sandbox
      ? "sandbox mode: Calendly and Stripe are simulated locally; no real bookings, no real money"
      : demo.sandbox
        ? `partly sandbox mode: ${stripe.sandbox ? "Stripe" : "Calendly"} is simulated, ${stripe.sandbox ? "Calendly" : "Stripe"} is real`
        : "live mode: real Calendly and Stripe credentials are in use";
  const rows: [string, string | undefined][] = [
    ["Marketplace", u.marketplace],
    ["Book Liam", u.liamBooking],
    ["Become a builder (onboarding)", u.becomeABuilder],
    ["Builder's own site (cross-origin)", u.builderSite],
    ["Origin that is not allowed", u.blocked],
    ["Sandboxed iframe (new-tab checkout)", u.sandboxedEmbed],
    ["Booking API", u.api],
    ["API docs", u.apiDocs],
    ["Sandbox Calendly", u.sandboxCalendly],
    ["Sandbox Stripe", u.sandboxStripe],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.filter(([, url]) => url).map(([label, url]) => `  ${label.padEnd(width)}  ${url}`);
  return [
    "",
    `baw booking demo is running (${mode}).`,
    "",
    "Open:",
    ...lines,
    "",
    `Site keys: marketplace ${demo.keys.marketplace}, builder's site ${demo.keys.builderSite}`,
    `Database: ${demo.config.database.kind === "pglite" ? `PGlite in ${demo.config.database.dir}` : "PostgreSQL (DATABASE_URL)"}`,
    `Ready in ${seconds.toFixed(1)} s. Press Ctrl-C to stop.`,
    "",
  ].join("\n");
}

const LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warning",
  50: "error",
  60: "fatal",
};

/**
 * The service's log lines (pino JSON, already censored) as one line of text each on stderr, so
 * a warning reads as a sentence rather than a JSON object between the banner's lines.
 */
export function textLogStream(write: (text: string) => void): { write(line: string): void } {
  return {
    write(line: string) {
      let entry: { level?: number; msg?: string; err?: { message?: string } };
      try {
        entry = JSON.parse(line);
      } catch {
        write(line.endsWith("\n") ? line : `${line}\n`);
        return;
      }
      const level = LEVELS[entry.level ?? 30] ?? "log";
      const detail = entry.err?.message ? `: ${entry.err.message}` : "";
      write(`service ${level}: ${entry.msg ?? ""}${detail}\n`);
    },
  };
}
