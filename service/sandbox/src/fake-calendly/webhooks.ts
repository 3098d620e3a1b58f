// Signed webhook delivery, as Calendly does it: POST JSON to the subscription's callback URL
// with `Calendly-Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>`.
// First attempts go out in the order events happened; failed ones are retried with a short
// bounded backoff (the real Calendly retries for 24 h). A 410 Gone from a subscription's callback
// deletes that subscription at once, without retries. Nothing here keeps the process alive.

import { signatureHeader } from "../signature.js";
import type { CalendlyWebhookBody, CalendlyWebhookEventName } from "./wire.js";

export interface WebhookAttempt {
  at: string;
  /** HTTP status of the receiver, or null when it could not be reached / timed out. */
  status: number | null;
  error?: string;
  /** The Calendly-Webhook-Signature header sent (null when no signing key is configured). */
  signature: string | null;
  redelivery: boolean;
}

export interface WebhookDelivery {
  index: number;
  event: CalendlyWebhookEventName;
  /** Callback URL when the delivery was created; null when no webhook URL was configured. */
  url: string | null;
  /**
   * URI of the API-created subscription it was sent for; null for the set-up's own subscription
   * (the one `setWebhookUrl` points).
   */
  subscription: string | null;
  /** The exact raw body sent (each attempt sends these bytes). */
  body: string;
  payload: CalendlyWebhookBody;
  /** "gone": the receiver answered 410 and the subscription was deleted. */
  state: "pending" | "delivered" | "failed" | "no_url" | "gone";
  attempts: WebhookAttempt[];
}

export interface WebhookDispatcherOptions {
  signingKey: string;
  url?: string | undefined;
  /** Waits between attempts; the number of retries is its length. Default [200, 600, 1500]. */
  retryDelaysMs?: number[];
  /** Per attempt. Default 3000 ms. */
  timeoutMs?: number;
}

/** Where one delivery goes when it is for an API-created subscription. */
export interface WebhookTarget {
  url: string;
  signingKey: string;
  subscription: string;
  /** Still active? Checked before every attempt: a disabled or deleted subscription gets nothing more. */
  active(): boolean;
  /** The receiver answered 410 Gone. */
  gone(): void;
  /** An attempt failed (other than 410): the subscription is retrying. */
  failed(): void;
  /** An attempt succeeded. */
  delivered(): void;
  /** Every retry failed (Calendly: 24 hours of them). */
  exhausted(): void;
}

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private url: string | undefined;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly controllers = new Set<AbortController>();
  private readonly retryDelaysMs: number[];
  private readonly timeoutMs: number;
  private readonly targets = new Map<WebhookDelivery, WebhookTarget>();

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.url = options.url;
    this.retryDelaysMs = options.retryDelaysMs ?? [200, 600, 1500];
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  get webhookUrl(): string | undefined {
    return this.url;
  }

  setUrl(url: string | undefined): void {
    this.url = url || undefined;
  }

  /** Records a delivery and sends it in the background: to `target`, or to the set-up's own URL. */
  enqueue(body: CalendlyWebhookBody, target?: WebhookTarget): WebhookDelivery {
    const raw = JSON.stringify(body);
    const url = target ? target.url : (this.url ?? null);
    const delivery: WebhookDelivery = {
      index: this.deliveries.length,
      event: body.event,
      url,
      subscription: target?.subscription ?? null,
      body: raw,
      payload: JSON.parse(raw) as CalendlyWebhookBody,
      state: url && !this.closed ? "pending" : "no_url",
      attempts: [],
    };
    this.deliveries.push(delivery);
    if (target) this.targets.set(delivery, target);
    if (delivery.state === "pending") this.track(this.run(delivery));
    return delivery;
  }

  /** Sends a recorded delivery once more (to the current URL), with a fresh signature. */
  async redeliver(index: number): Promise<WebhookAttempt> {
    const delivery = this.deliveries[index];
    if (!delivery) throw new RangeError(`no webhook delivery #${index}`);
    const url = this.targets.has(delivery) ? delivery.url : (this.url ?? delivery.url);
    if (!url) throw new Error("no webhook URL configured");
    const promise = this.send(delivery, url, true);
    this.track(promise);
    const attempt = await promise;
    if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) delivery.state = "delivered";
    return attempt;
  }

  /** Resolves once every delivery has been delivered or has given up. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.closed = true;
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.resolve();
    }
    this.waits.clear();
    for (const controller of this.controllers) controller.abort();
  }

  private track(promise: Promise<unknown>): void {
    this.inFlight.add(promise);
    const done = () => this.inFlight.delete(promise);
    promise.then(done, done);
  }

  private async run(delivery: WebhookDelivery): Promise<void> {
    // First attempts are sent one after another, so receivers see events in order when all is well.
    let releaseChain!: () => void;
    const previous = this.chain;
    this.chain = new Promise<void>((resolve) => {
      releaseChain = resolve;
    });
    try {
      await previous;
      const target = this.targets.get(delivery);
      for (let retry = 0; ; retry++) {
        if (this.closed || !delivery.url || (target && !target.active())) {
          if (delivery.state === "pending") delivery.state = "failed";
          return;
        }
        const attempt = await this.send(delivery, delivery.url, false);
        if (retry === 0) releaseChain();
        if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) {
          delivery.state = "delivered";
          target?.delivered();
          return;
        }
        if (attempt.status === 410 && target) {
          delivery.state = "gone";
          target.gone();
          return;
        }
        target?.failed();
        const delay = this.retryDelaysMs[retry];
        if (delay === undefined) {
          delivery.state = "failed";
          target?.exhausted();
          return;
        }
        await this.wait(delay);
      }
    } finally {
      releaseChain();
    }
  }

  private wait(ms: number): Promise<void> {
    // After close() nothing waits: an unref'd timer started now might never fire, leaving idle() hanging.
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.waits.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      entry.timer.unref();
      this.waits.add(entry);
    });
  }

  private async send(delivery: WebhookDelivery, url: string, redelivery: boolean): Promise<WebhookAttempt> {
    const key = this.targets.get(delivery)?.signingKey ?? this.options.signingKey;
    const signature = key ? signatureHeader(key, delivery.body) : null;
    const attempt: WebhookAttempt = { at: new Date().toISOString(), status: null, signature, redelivery };
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    timer.unref();
    try {
      const headers: Record<string, string> = {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Calendly-Webhook-Sandbox",
      };
      if (signature) headers["calendly-webhook-signature"] = signature;
      const res = await fetch(url, { method: "POST", headers, body: delivery.body, signal: controller.signal });
      attempt.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (error) {
      attempt.error = controller.signal.aborted
        ? this.closed
          ? "aborted: fake Calendly closed"
          : `timeout after ${this.timeoutMs} ms`
        : error instanceof Error
          ? (((error as { cause?: { message?: string } }).cause?.message ?? error.message) as string)
          : String(error);
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
    delivery.attempts.push(attempt);
    return attempt;
  }
}
