// The sandbox's fake Stripe: a local HTTP server speaking Stripe's v1 wire protocol for the parts
// the booking flow uses (Checkout Sessions, PaymentIntents, charges, refunds, events, webhook
// endpoints, account), a hosted checkout page, and signed webhook delivery. The real `stripe`
// package talks to it through createStripeClient({apiBase: fake.url}).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import { STRIPE_API_VERSION } from "./api-version.js";
import { Core, type PayOptions, type PayResult } from "./core.js";
import { type DeliveryAttempt, type DeliveryResult, EventDeliverer } from "./events.js";
import { FaultQueue } from "./faults.js";
import { IdempotencyStore } from "./idempotency.js";
import { base62, newId } from "./ids.js";
import { renderPaymentIntent, renderRefund, renderSession } from "./objects.js";
import { createRequestHandler, type RequestLogEntry } from "./server.js";
import { Store, type StripeEventObject } from "./store.js";

export { SANDBOX_LABEL } from "./checkout-page.js";
export type { PayOptions, PayResult } from "./core.js";
export type { StripeErrorBody } from "./errors.js";
export { type DeliveryAttempt, type DeliveryResult, ENABLED_EVENTS } from "./events.js";
export type { FaultQueue, FaultSpec } from "./faults.js";
export { encodeForm, parseForm } from "./form.js";
export type { RequestLogEntry } from "./server.js";
export type { StripeEventObject } from "./store.js";

export interface FakeStripeOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: an ephemeral port; read it from `fake.port`). */
  port?: number;
  /** The secret key requests must carry as `Authorization: Bearer …` (default "sk_test_sandbox"). */
  secretKey?: string;
  /** Where events are POSTed; none are delivered while unset (see setWebhookUrl). */
  webhookUrl?: string;
  /** Signing secret for `Stripe-Signature` (whsec_…). */
  webhookSecret: string;
  /** Smallest allowed `expires_at - now` (default 1800, Stripe's minimum); tests lower it. */
  minExpirySeconds?: number;
  /** Expire open sessions when `expires_at` passes and deliver checkout.session.expired (default true). */
  autoExpire?: boolean;
  /** Base URL of the hosted page as the browser reaches it (default: the server's own URL). */
  publicUrl?: string;
  /** Delay before an async (bank debit) payment settles (default 2000 ms; negative: only settle()). */
  asyncSettleMs?: number;
  /** Waits between delivery attempts; their count bounds retries (default [250, 1000, 3000]). */
  deliveryRetryDelaysMs?: number[];
  /** Timeout of one delivery attempt (default 5000 ms). */
  deliveryTimeoutMs?: number;
}

export interface FakeStripe {
  /** Base URL, e.g. `http://127.0.0.1:41234`; pass it as `apiBase` to createStripeClient. */
  readonly url: string;
  readonly port: number;
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly webhookUrl: string | undefined;
  setWebhookUrl(url: string | undefined): void;

  /** Current state of a session as the API would return it (a copy), or undefined. */
  getSession(id: string): Stripe.Checkout.Session | undefined;
  /** Every session created, oldest first (copies). */
  readonly sessions: Stripe.Checkout.Session[];
  getPaymentIntent(id: string): Stripe.PaymentIntent | undefined;
  /** A charge with its refunds expanded (the API leaves them out unless asked). */
  getCharge(id: string): Stripe.Charge | undefined;
  /** Every charge, oldest first, refunds expanded (copies): the fake's ledger. */
  readonly charges: Stripe.Charge[];

  /** What the hosted page's Pay button does. `fail` without `async` is a card decline. */
  pay(sessionId: string, opts?: PayOptions): Promise<PayResult>;
  /** Settles a processing async payment now (instead of waiting for asyncSettleMs). */
  settle(sessionId: string, opts?: { fail?: boolean }): Promise<Stripe.Checkout.Session>;
  /** What the hosted page's Cancel link does: returns cancel_url, the session stays open. */
  abandon(sessionId: string): { cancelUrl: string | null };
  /** Expires an open session now and delivers checkout.session.expired (like the expiry timer). */
  expire(sessionId: string): Promise<Stripe.Checkout.Session>;

  /** Delivers any event-shaped object now, with retries; `secret` overrides the signing secret. */
  deliver(
    event: Stripe.Event | StripeEventObject | Record<string, unknown>,
    opts?: { secret?: string },
  ): Promise<DeliveryResult>;
  /** Delivers a recorded event again (same id, fresh signature). */
  redeliver(eventId: string): Promise<DeliveryResult>;

  /** Every event raised, oldest first (copies). */
  readonly events: Stripe.Event[];
  /** Every refund created, oldest first (copies). */
  readonly refunds: Stripe.Refund[];
  /** Every API request received, oldest first. */
  readonly requests: readonly RequestLogEntry[];
  /** Resolves when no event delivery is in flight or waiting to retry. */
  deliveriesSettled(): Promise<void>;
  /** Every webhook delivery attempt, oldest first. */
  readonly deliveries: readonly DeliveryAttempt[];
  /** Injectable API faults: `fake.faults.next({path: /checkout/, status: 500, times: 2})`. */
  readonly faults: FaultQueue;

  /** Stops the server, timers and deliveries; open connections are closed. */
  close(): Promise<void>;
}

export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
  if (!options.webhookSecret) throw new Error("startFakeStripe: webhookSecret is required");
  const host = options.host ?? "127.0.0.1";
  const secretKey = options.secretKey ?? "sk_test_sandbox";
  const store = new Store();
  const faults = new FaultQueue();
  const idempotency = new IdempotencyStore();
  const log: RequestLogEntry[] = [];
  let closed = false;
  let baseUrl = "";

  const deliverer = new EventDeliverer({
    secret: options.webhookSecret,
    url: options.webhookUrl,
    ...(options.deliveryRetryDelaysMs ? { retryDelaysMs: options.deliveryRetryDelaysMs } : {}),
    ...(options.deliveryTimeoutMs ? { timeoutMs: options.deliveryTimeoutMs } : {}),
    onDelivered: (eventId) => {
      const evt = store.events.get(eventId);
      if (evt) evt.pending_webhooks = 0;
    },
  });
  const core = new Core({
    store,
    deliverer,
    apiVersion: STRIPE_API_VERSION,
    minExpirySeconds: options.minExpirySeconds ?? 1800,
    autoExpire: options.autoExpire ?? true,
    asyncSettleMs: options.asyncSettleMs ?? 2000,
    checkoutBase: () => options.publicUrl ?? baseUrl,
  });

  // Delays of injected faults, released early by close().
  const sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (closed) return resolve(false);
      const entry = {
        timer: setTimeout(() => {
          sleepers.delete(entry);
          resolve(!closed);
        }, ms),
        wake: () => resolve(false),
      };
      entry.timer.unref();
      sleepers.add(entry);
    });

  const server = createServer(
    createRequestHandler({
      core,
      deliverer,
      faults,
      idempotency,
      secretKey,
      apiVersion: STRIPE_API_VERSION,
      accountId: `acct_1${base62(15)}`,
      webhookEndpointId: newId.webhookEndpoint(),
      startedAt: core.now(),
      log,
      sleep,
    }),
  );
  // Keep-alive sockets from the stripe package must not hold the server open for long.
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const copy = <T>(value: unknown): T => structuredClone(value) as T;

  return {
    url: baseUrl,
    port,
    secretKey,
    webhookSecret: options.webhookSecret,
    get webhookUrl() {
      return deliverer.url;
    },
    setWebhookUrl(url) {
      deliverer.url = url;
    },
    getSession(id) {
      const s = store.sessions.get(id);
      return s ? copy<Stripe.Checkout.Session>(renderSession(s)) : undefined;
    },
    get sessions() {
      return [...store.sessions.values()].map((s) => copy<Stripe.Checkout.Session>(renderSession(s)));
    },
    getPaymentIntent(id) {
      const pi = store.paymentIntents.get(id);
      return pi ? copy<Stripe.PaymentIntent>(renderPaymentIntent(pi)) : undefined;
    },
    getCharge(id) {
      const ch = store.charges.get(id);
      return ch ? copy<Stripe.Charge>(core.chargeObject(ch, ["refunds"])) : undefined;
    },
    get charges() {
      return [...store.charges.values()].map((ch) => copy<Stripe.Charge>(core.chargeObject(ch, ["refunds"])));
    },
    pay: (sessionId, opts) => core.pay(sessionId, opts),
    async settle(sessionId, opts) {
      const { session } = await core.settle(sessionId, opts);
      return copy<Stripe.Checkout.Session>(session);
    },
    abandon(sessionId) {
      return { cancelUrl: core.abandon(sessionId).cancelUrl };
    },
    async expire(sessionId) {
      const { session, emitted } = core.expireSession(sessionId);
      await emitted.delivery?.first;
      return copy<Stripe.Checkout.Session>(renderSession(session));
    },
    deliver(event, opts) {
      return deliverer.send(event, opts).done;
    },
    redeliver(eventId) {
      return deliverer.send(store.event(eventId)).done;
    },
    get events() {
      return [...store.events.values()].map((e) => copy<Stripe.Event>(e));
    },
    get refunds() {
      return [...store.refunds.values()].map((r) => copy<Stripe.Refund>(renderRefund(r)));
    },
    get requests() {
      return log;
    },
    get deliveries() {
      return deliverer.attempts;
    },
    deliveriesSettled: () => deliverer.settled(),
    faults,
    async close() {
      if (closed) return;
      closed = true;
      core.close();
      for (const s of sleepers) {
        clearTimeout(s.timer);
        s.wake();
      }
      sleepers.clear();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([deliverer.close(), serverClosed]);
    },
  };
}
