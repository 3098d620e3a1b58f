// What every section of the doctor shares: the shape of its input and results, the report the
// checks write to, and small helpers.
import type Stripe from "stripe";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import { type CalendlyClient, isCalendlyError } from "../providers/calendly.js";

export type CheckStatus = "pass" | "warn" | "fail" | "info";
export type Section = "Configuration" | "Database" | "Calendly" | "Stripe" | "Sites and partner keys" | "Service";
export const SECTIONS: readonly Section[] = [
  "Configuration",
  "Database",
  "Calendly",
  "Stripe",
  "Sites and partner keys",
  "Service",
];

export interface CheckResult {
  section: Section;
  status: CheckStatus;
  message: string;
  /** What to do about it; every failed or warning line carries one. */
  fix?: string;
}

/** The part of the Stripe client the doctor uses (the real `stripe` package satisfies it). */
export interface DoctorStripe {
  accounts: { retrieveCurrent(): Promise<Stripe.Account> };
  webhookEndpoints: {
    list(params?: Stripe.WebhookEndpointListParams): Promise<Stripe.ApiList<Stripe.WebhookEndpoint>>;
  };
}

export interface DoctorInput {
  config: Config;
  /** The service's database, opened without migrating. Absent when it could not be opened. */
  db?: Database;
  /** Why `db` is absent. */
  dbProblem?: { status: "fail" | "warn" | "info"; message: string; fix?: string };
  calendly: CalendlyClient;
  stripe: DoctorStripe;
  /** Base URL Stripe and Calendly deliver webhooks to. Default: PUBLIC_URL, or http://127.0.0.1:PORT in sandbox mode. */
  publicUrl?: string;
  /** Where the sandbox's fakes run, and which the doctor started itself (for the report only). */
  sandbox?: { stripeUrl?: string; calendlyUrl?: string; own?: { stripe: boolean; calendly: boolean } };
  /** Probes `<publicUrl>/ready`; null skips the probe. Default: the global fetch. */
  fetch?: typeof fetch | null;
  /** Checks REDIS_URL with a PING; null skips it. Default: ioredis. */
  pingRedis?: ((url: string) => Promise<void>) | null;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
export const CALENDLY_EVENTS = ["invitee.created", "invitee.canceled"] as const;
export const DOCS = "docs/CONFIGURATION.md";

export class Report {
  readonly results: CheckResult[] = [];
  constructor(private section: Section) {}
  in(section: Section): this {
    this.section = section;
    return this;
  }
  pass(message: string): void {
    this.results.push({ section: this.section, status: "pass", message });
  }
  info(message: string): void {
    this.results.push({ section: this.section, status: "info", message });
  }
  warn(message: string, fix: string): void {
    this.results.push({ section: this.section, status: "warn", message, fix });
  }
  fail(message: string, fix: string): void {
    this.results.push({ section: this.section, status: "fail", message, fix });
  }
}

/** `scheme://host[:port]` with the path kept, no trailing slash, no query: how URLs are compared. */
export function normalizeUrl(raw: string): string {
  try {
    const u = new URL(raw.trim());
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return raw.trim().replace(/\/+$/, "");
  }
}

export function errorText(error: unknown): string {
  if (isCalendlyError(error)) return `${error.status ?? "no answer"} ${error.title}: ${error.message}`;
  const e = error as { statusCode?: number; type?: string; message?: string } | undefined;
  if (e?.statusCode) return `${e.statusCode} ${e.message ?? ""}`.trim();
  return error instanceof Error ? error.message : String(error);
}

export function isLocalHost(hostname: string): boolean {
  return (
    hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]" || hostname.endsWith(".localhost")
  );
}

export function describeDatabase(config: Config): string {
  if (config.database.kind === "pglite") return `PGlite at ${config.database.dir}`;
  try {
    const u = new URL(config.database.url);
    return `PostgreSQL at ${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "PostgreSQL";
  }
}

/** The base URL webhooks are delivered to, or undefined when it is unknown. */
export function webhookBase(config: Config, publicUrl?: string): string | undefined {
  const base = publicUrl ?? config.publicUrl;
  if (base) return base.replace(/\/+$/, "");
  if (config.stripe.sandbox && config.calendly.sandbox) return `http://127.0.0.1:${config.port}`;
  return undefined;
}

/** "the doctor's own fake at …" or "the fake at …". */
export function sandboxFake(own: boolean | undefined, url: string | undefined): string {
  return `${own ? "the doctor's own fake" : "the fake"}${url ? ` at ${url}` : ""}`;
}

export function dbNotReady(input: DoctorInput): string {
  return input.db ? "the database is not migrated" : "the database was not opened";
}
