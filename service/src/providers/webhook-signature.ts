// The `t=<unix>,v1=<hex>` signature scheme that Stripe and Calendly both use:
// HMAC-SHA256(secret, "<t>.<raw body>"), compared in constant time within a tolerance.
import { createHmac, timingSafeEqual } from "node:crypto";

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: "missing" | "malformed" | "stale" | "mismatch" };

export function computeSignature(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/** Builds the header value a provider would send for `body` at `timestamp` (unix seconds). */
export function signatureHeader(
  secret: string,
  body: string | Buffer,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`;
}

/** The `t=` timestamp of a signature header, or undefined when it has none. */
export function signatureTimestamp(header: string | undefined): number | undefined {
  for (const part of header?.split(",") ?? []) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d+$/.test(value)) return Number(value);
  }
  return undefined;
}

/** Whether a signature's time lies within the tolerance on either side of now. */
export function withinTolerance(timestamp: number, toleranceSeconds: number, nowSeconds: number): boolean {
  return Math.abs(nowSeconds - timestamp) <= toleranceSeconds;
}

/**
 * Verifies a `t=…,v1=…` header against the raw body. Any v1 entry may match (secret rotation).
 * A signature dated too far in the future is as stale as an old one: it could be replayed later.
 */
export function verifySignature(
  header: string | undefined,
  body: string | Buffer,
  secret: string,
  toleranceSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header) return { ok: false, reason: "missing" };
  let timestamp = Number.NaN;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && value && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (!Number.isFinite(timestamp) || candidates.length === 0) return { ok: false, reason: "malformed" };
  const expected = Buffer.from(computeSignature(secret, timestamp, body), "hex");
  const matches = candidates.some((c) => timingSafeEqual(Buffer.from(c, "hex"), expected));
  if (!matches) return { ok: false, reason: "mismatch" };
  if (!withinTolerance(timestamp, toleranceSeconds, nowSeconds)) return { ok: false, reason: "stale" };
  return { ok: true, timestamp };
}
