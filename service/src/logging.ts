// pino options: structured, with PII and secrets redacted wherever they may appear.
import type { LoggerOptions } from "pino";

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const SECRET = /\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9]+|\bbaw_[a-z]+_[A-Za-z0-9_.-]{8,}/g;
const SIGNATURE = /(t=\d+,v1=)[0-9a-f]+/gi;

/** Masks emails, keys and signatures inside free text such as error messages. */
export function scrub(text: string): string {
  return text.replace(EMAIL, "[email]").replace(SECRET, "[secret]").replace(SIGNATURE, "$1[signature]");
}

export const redactPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["stripe-signature"]',
  'req.headers["calendly-webhook-signature"]',
  'req.headers["x-baw-site-key"]',
  'req.headers["x-baw-booking-token"]',
  "*.email",
  "*.inviteeEmail",
  "*.customerEmail",
  "*.name",
  "*.inviteeName",
  "*.customerName",
  "*.token",
  "*.customerToken",
  "*.bookingToken",
  "*.secret",
  "*.secretKey",
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: "[redacted]" },
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
