// The `t=<unix>,v1=<hex>` header Stripe and Calendly sign webhook deliveries with:
// HMAC-SHA256(secret, "<t>.<raw body>").
import { createHmac } from "node:crypto";

/** The header value a provider sends for `body` at `timestamp` (unix seconds). */
export function signatureHeader(
  secret: string,
  body: string | Buffer,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const digest = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  return `t=${timestamp},v1=${digest}`;
}
