// pino options: structured, with PII and secrets censored wherever they may appear.
import pino, { type DestinationStream, type LoggerOptions } from "pino";

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const SECRET = /\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9]+|\bbaw_[a-z]+_[A-Za-z0-9_.-]{8,}/g;
const SIGNATURE = /(t=\d+,v1=)[0-9a-f]+/gi;
// A JWT, the shape of Calendly's OAuth tokens (and of customer tokens).
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
// Prisma's "Invalid `prisma.x.y()` invocation" message: a code frame that prints the call's
// arguments with their values (an invitee's name among them), then the reason.
const PRISMA_INVOCATION = /^([^\n]*?)\s*(Invalid `[^`]+` invocation)[\s\S]*\n\n([^\n]+(?:\n[^\n]+)*)\s*$/;
// PostgreSQL's details quote the row or the key values: "Failing row contains (…)", "Key (email)=(…)".
const FAILING_ROW = /(Failing row contains )\((?:[^()]|\([^()]*\))*\)/g;
const KEY_VALUES = /(Key \([^)]*\)=)\((?:[^()]|\([^()]*\))*\)/g;
const INVALID_INPUT = /(invalid input syntax for type [\w ]+: )"(?:[^"]|"")*"/g;
const MAY_HOLD_SECRETS = /[@_=:(]|eyJ/;

/** A quoted value after one of the sensitive keys, as code, JSON or key=value writes it. */
let quotedSensitive: RegExp | undefined;

/**
 * Masks e-mails, keys, signatures, and personal data inside free text such as error messages:
 * database errors quote the values they refused, names included.
 */
export function scrub(text: string): string {
  // Each pattern needs one of these characters; most messages (the request line) have none.
  if (!MAY_HOLD_SECRETS.test(text)) return text;
  quotedSensitive ??= new RegExp(
    `\\b(${[...sensitiveKeys].map((k) => k.replace(/[-]/g, "\\-")).join("|")})(["']?\\s*[:=]\\s*)("(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*')`,
    "g",
  );
  return text
    .replace(
      PRISMA_INVOCATION,
      (_, prefix: string, call: string, reason: string) => `${prefix ? `${prefix} ` : ""}${call}: ${reason}`,
    )
    .replace(INVALID_INPUT, '$1"[value]"')
    .replace(FAILING_ROW, "$1([row])")
    .replace(KEY_VALUES, "$1([values])")
    .replace(quotedSensitive, '$1$2"[redacted]"')
    .replace(EMAIL, "[email]")
    .replace(SECRET, "[secret]")
    .replace(JWT, "[secret]")
    .replace(SIGNATURE, "$1[signature]");
}

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
export const sensitiveKeys: ReadonlySet<string> = new Set([
  "authorization",
  "cookie",
  "stripe-signature",
  "calendly-webhook-signature",
  "x-baw-site-key",
  "x-baw-booking-token",
  "email",
  "inviteeEmail",
  "customerEmail",
  "name",
  "inviteeName",
  "customerName",
  "token",
  "customerToken",
  "bookingToken",
  "secret",
  "secretKey",
  "accessToken",
  "refreshToken",
  "access_token",
  "refresh_token",
  "codeVerifier",
  "code_verifier",
  "clientSecret",
  "client_secret",
]);

const CENSORED = "[redacted]";
const MAX_DEPTH = 6;

const isPlain = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
};

/**
 * A copy of `value` with every sensitive key's value replaced, or `value` itself when it holds
 * none. Only plain objects and arrays are walked (an Error goes to the `err` serializer, a request
 * to `req`), so the one line logged per request costs a key lookup per field.
 */
export function censor<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== "object" || !isPlain(value)) return value;
  // Deeper than any object the service logs: dropped rather than walked without end.
  if (depth > MAX_DEPTH) return "[too deep]" as T;
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const item = source[key];
    const next = sensitiveKeys.has(key) && item !== undefined ? CENSORED : censor(item, depth + 1);
    if (next !== item) {
      copy ??= Array.isArray(value) ? [...value] : { ...source };
      (copy as Record<string, unknown>)[key] = next;
    }
  }
  return (copy ?? value) as T;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    // A key lookup per field instead of pino's path-based `redact`, which cloned and walked every
    // logged object, the request line included (8 % of the read path's CPU).
    formatters: { log: (object) => censor(object) },
    serializers: {
      req: (req: { method: string; url: string; id?: string; headers?: Record<string, unknown> }) => ({
        method: req.method,
        // Query strings can carry tokens and prefill (name, email); keep the path only.
        url: req.url.split("?")[0],
        id: req.id,
      }),
      err: (err: Error & { code?: string; statusCode?: number }) => ({
        type: err.name,
        code: err.code,
        statusCode: err.statusCode,
        message: scrub(err.message ?? ""),
        stack: err.stack ? scrub(err.stack) : undefined,
      }),
    },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) {
          if (typeof args[i] === "string") args[i] = scrub(args[i] as string);
        }
        method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);
/** A read slower than this is logged at info like any other request worth a look. */
export const SLOW_READ_MS = 1000;

/**
 * The level of a request's log line: `debug` for a read that succeeded promptly (the widget's
 * config, a confirmation page polling its booking), `info` for everything else: writes, webhooks,
 * errors, refusals and slow reads. One line per read was the largest single cost left on the read
 * path (docs/BENCHMARKS.md); `LOG_LEVEL=debug` logs every request.
 */
export function requestLogLevel(method: string, statusCode: number, ms: number): "debug" | "info" {
  return READS.has(method) && statusCode < 400 && ms < SLOW_READ_MS ? "debug" : "info";
}

/**
 * Standard output, written synchronously: one write(2) per line on the event loop's thread.
 * pino's default hands each line to libuv's thread pool instead, which on the read path cost
 * about twice the instructions of the line itself (docs/BENCHMARKS.md), and a line written
 * synchronously is not lost when the process dies.
 */
export function logDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: true });
}
