// The one place the service builds a Stripe client. The real `stripe` package is used in every
// mode; in sandbox mode `apiBase` points it at the local fake Stripe instead of api.stripe.com.
import Stripe from "stripe";

/** The API version the service is written against; the installed `stripe` types describe exactly this one. */
export const STRIPE_API_VERSION = "2025-10-29.clover" satisfies Stripe.LatestApiVersion;

/** The Stripe events this service handles; its webhook endpoint must send all of them. */
export const stripeWebhookEvents = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "checkout.session.expired",
  "charge.refunded",
] as const;

export interface StripeClientOptions {
  secretKey: string;
  /** Base URL of a Stripe-compatible API, e.g. `http://127.0.0.1:4242` for the sandbox's fake. No path. */
  apiBase?: string;
  /** Per-request timeout (the stripe package's default is 80 s, too long for a request path). */
  timeoutMs?: number;
  /** Automatic retries of connection errors, 409 and 5xx; POSTs reuse one Idempotency-Key across them. */
  maxNetworkRetries?: number;
}

export const DEFAULT_STRIPE_TIMEOUT_MS = 20_000;
export const DEFAULT_STRIPE_MAX_NETWORK_RETRIES = 2;

export function createStripeClient(opts: StripeClientOptions): Stripe {
  if (!opts.secretKey) throw new Error("createStripeClient: secretKey is required");
  const config: Stripe.StripeConfig = {
    apiVersion: STRIPE_API_VERSION,
    typescript: true,
    telemetry: false,
    timeout: opts.timeoutMs ?? DEFAULT_STRIPE_TIMEOUT_MS,
    maxNetworkRetries: opts.maxNetworkRetries ?? DEFAULT_STRIPE_MAX_NETWORK_RETRIES,
    appInfo: { name: "baw-booking" },
  };
  if (opts.apiBase) Object.assign(config, hostConfig(opts.apiBase));
  return new Stripe(opts.secretKey, config);
}

function hostConfig(apiBase: string): Pick<Stripe.StripeConfig, "host" | "port" | "protocol"> {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new Error(`createStripeClient: apiBase is not a URL: ${apiBase}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`createStripeClient: apiBase must be http(s), got ${url.protocol}`);
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username) {
    // The stripe package always requests /v1/… on the host; it cannot prefix a path.
    throw new Error(`createStripeClient: apiBase must be an origin without path, query or credentials: ${apiBase}`);
  }
  const protocol = url.protocol === "https:" ? "https" : "http";
  // URL keeps IPv6 literals bracketed ("[::1]"); node:http wants the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port ? Number(url.port) : protocol === "https" ? 443 : 80;
  return { host, port, protocol };
}

const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/**
 * Whether repeating the same request (with the same Idempotency-Key) may succeed: connection
 * failures and timeouts, 5xx, 429 rate limits and lock timeouts, and 409 conflicts such as an
 * idempotent request still in flight. Card errors, invalid requests, authentication and
 * idempotency-key misuse (400) will fail the same way again.
 */
export function isRetryableStripeError(err: unknown): boolean {
  if (err instanceof Stripe.errors.StripeConnectionError) return true;
  if (err instanceof Stripe.errors.StripeError) {
    const shouldRetry = err.headers?.["stripe-should-retry"];
    if (shouldRetry === "true") return true;
    if (shouldRetry === "false") return false;
    const status = err.statusCode;
    if (err.code === "lock_timeout" || err.code === "idempotency_key_in_use") return true;
    if (err instanceof Stripe.errors.StripeRateLimitError || status === 429) return true;
    if (status === 409) return true;
    if (status !== undefined && status >= 500) return true;
    if (status === undefined && err instanceof Stripe.errors.StripeAPIError) return true;
    return false;
  }
  if (err && typeof err === "object" && "code" in err && typeof err.code === "string") {
    return RETRYABLE_NETWORK_CODES.has(err.code);
  }
  return false;
}
