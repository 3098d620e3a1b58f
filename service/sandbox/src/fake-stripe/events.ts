// Signed webhook delivery, as Stripe does it: POST the event as JSON with
// `Stripe-Signature: t=<unix>,v1=<hmac>` (signed afresh on every attempt), retry with backoff on a
// non-2xx answer or a connection failure, and record every attempt. Retries are bounded and stop
// at close(); every timer and socket is released so nothing keeps the process alive.
import http from "node:http";
import https from "node:https";
import { signatureHeader } from "../signature.js";

/**
 * The events the sandbox's webhook endpoint is enabled for: those the booking service handles
 * (a type check in the service's tests keeps the two lists equal).
 */
export const ENABLED_EVENTS = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "checkout.session.expired",
  "charge.refunded",
] as const;

/**
 * The events the sandbox's Connect webhook endpoint (created with `connect=true`) is enabled for:
 * what happens on connected accounts. Each carries a top-level `account`.
 */
export const CONNECT_ENABLED_EVENTS = ["account.updated", "account.application.deauthorized", "payout.failed"] as const;

/** Attempts kept for inspection; a long-running sandbox keeps only the newest. */
const MAX_RECORDED_ATTEMPTS = 10_000;

export interface DeliveryAttempt {
  eventId: string;
  eventType: string;
  /** 1 for the first try. */
  attempt: number;
  url: string;
  /** Epoch milliseconds when the attempt started. */
  at: number;
  durationMs: number;
  /** HTTP status of the answer, or null when there was none. */
  status: number | null;
  ok: boolean;
  /** Connection error or timeout, when there was no answer. */
  error: string | null;
  /** First 500 characters of the receiver's answer. */
  responseBody: string | null;
  /** The Stripe-Signature header sent. */
  signature: string;
}

export interface DeliveryResult {
  eventId: string;
  delivered: boolean;
  attempts: DeliveryAttempt[];
}

export interface DeliveryHandle {
  /** Settles after the first attempt (null if none was made: no URL, or closed). */
  first: Promise<DeliveryAttempt | null>;
  /** Settles when delivery succeeded, retries ran out, or the fake closed. */
  done: Promise<DeliveryResult>;
}

export interface DelivererOptions {
  secret: string;
  url?: string | undefined;
  /** Waits between attempts; its length bounds the retries (default 250, 1000, 3000 ms). */
  retryDelaysMs?: readonly number[];
  /** Per-attempt timeout (default 5000 ms). */
  timeoutMs?: number;
  onDelivered?: (eventId: string) => void;
}

interface Deliverable {
  id?: unknown;
  type?: unknown;
}

export class EventDeliverer {
  readonly attempts: DeliveryAttempt[] = [];
  url: string | undefined;
  readonly #secret: string;
  readonly #retryDelaysMs: readonly number[];
  readonly #timeoutMs: number;
  readonly #onDelivered: ((eventId: string) => void) | undefined;
  #closed = false;
  readonly #timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  readonly #requests = new Set<http.ClientRequest>();
  readonly #running = new Set<Promise<DeliveryResult>>();

  constructor(opts: DelivererOptions) {
    this.#secret = opts.secret;
    this.url = opts.url;
    this.#retryDelaysMs = opts.retryDelaysMs ?? [250, 1000, 3000];
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    this.#onDelivered = opts.onDelivered;
  }

  /** Starts delivering `event`; `secret` overrides the signing secret (to test rejection). */
  send(event: Deliverable, opts: { secret?: string } = {}): DeliveryHandle {
    let resolveFirst!: (a: DeliveryAttempt | null) => void;
    const first = new Promise<DeliveryAttempt | null>((r) => {
      resolveFirst = r;
    });
    const eventId = typeof event.id === "string" ? event.id : "";
    const eventType = typeof event.type === "string" ? event.type : "";
    const body = JSON.stringify(event, null, 2);
    const run = async (): Promise<DeliveryResult> => {
      const attempts: DeliveryAttempt[] = [];
      try {
        for (let i = 0; ; i++) {
          const url = this.url;
          if (this.#closed || !url) break;
          const attempt = await this.#attempt(url, body, eventId, eventType, i + 1, opts.secret ?? this.#secret);
          attempts.push(attempt);
          this.attempts.push(attempt);
          if (this.attempts.length > MAX_RECORDED_ATTEMPTS)
            this.attempts.splice(0, this.attempts.length - MAX_RECORDED_ATTEMPTS);
          if (i === 0) resolveFirst(attempt);
          if (attempt.ok) {
            this.#onDelivered?.(eventId);
            return { eventId, delivered: true, attempts };
          }
          const delay = this.#retryDelaysMs[i];
          if (delay === undefined || !(await this.#sleep(delay))) break;
        }
        return { eventId, delivered: false, attempts };
      } finally {
        resolveFirst(null);
      }
    };
    const done = run();
    this.#running.add(done);
    void done.finally(() => this.#running.delete(done));
    return { first, done };
  }

  /** Resolves when every delivery started so far (and any started meanwhile) has ended. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** Stops retries and aborts attempts in flight; resolves when every delivery loop has ended. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t.timer);
      t.wake();
    }
    this.#timers.clear();
    for (const req of this.#requests) req.destroy(new Error("fake Stripe closed"));
    await Promise.allSettled([...this.#running]);
  }

  #sleep(ms: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry);
          resolve(!this.#closed);
        }, ms),
        wake: () => resolve(false),
      };
      entry.timer.unref();
      this.#timers.add(entry);
    });
  }

  async #attempt(
    url: string,
    body: string,
    eventId: string,
    eventType: string,
    attempt: number,
    secret: string,
  ): Promise<DeliveryAttempt> {
    const signature = signatureHeader(secret, body);
    const at = Date.now();
    const base = { eventId, eventType, attempt, url, at, signature };
    try {
      const { status, text } = await this.#post(url, body, signature);
      const ok = status >= 200 && status < 300;
      return { ...base, durationMs: Date.now() - at, status, ok, error: null, responseBody: text.slice(0, 500) };
    } catch (err) {
      const error = err instanceof Error ? err.message || String((err as NodeJS.ErrnoException).code) : String(err);
      return { ...base, durationMs: Date.now() - at, status: null, ok: false, error, responseBody: null };
    }
  }

  #post(url: string, body: string, signature: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const client = target.protocol === "https:" ? https : http;
      const req = client.request(
        target,
        {
          method: "POST",
          agent: false,
          headers: {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": Buffer.byteLength(body),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Cache-Control": "no-cache",
            Accept: "*/*; q=0.5, application/xml",
            "Stripe-Signature": signature,
            Connection: "close",
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            if (size < 4096) chunks.push(c);
            size += c.length;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      this.#requests.add(req);
      req.on("close", () => this.#requests.delete(req));
      req.setTimeout(this.#timeoutMs, () => req.destroy(new Error(`timed out after ${this.#timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  }
}
