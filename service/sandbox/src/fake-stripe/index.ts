// The sandbox's fake Stripe: a local HTTP server speaking Stripe's v1 wire protocol for the parts
// the booking flow uses (Checkout Sessions, PaymentIntents, charges, refunds, events, webhook
// endpoints, account; Connect: connected accounts, account links, destination charges, transfers,
// application fees, balances), a hosted checkout page, a hosted onboarding page, and signed
// webhook delivery to a platform endpoint and a Connect endpoint. The real `stripe`
// package talks to it through createStripeClient({apiBase: fake.url}).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import { STRIPE_API_VERSION } from "./api-version.js";
import type { Balances } from "./balances.js";
import type { DisabledReason, OnboardingOutcome } from "./connect.js";
import { Core, type PayOptions, type PayResult } from "./core.js";
import { type DeliveryAttempt, type DeliveryResult, EventDeliverer } from "./events.js";
import { FaultQueue } from "./faults.js";
import { IdempotencyStore } from "./idempotency.js";
import { base62, newId } from "./ids.js";
import { renderPaymentIntent, renderRefund, renderSession } from "./objects.js";
import { createRequestHandler, type RequestLogEntry } from "./server.js";
import { Store, type StripeEventObject } from "./store.js";

export type { AccountLedger, Amounts, Balances, PlatformLedger } from "./balances.js";
export { SANDBOX_LABEL } from "./checkout-page.js";
export {
  ACCOUNT_LINK_TTL_SECONDS,
  DISABLED_REASONS,
  type DisabledReason,
  ONBOARDING_OUTCOMES,
  type OnboardingOutcome,
} from "./connect.js";
export type { PayOptions, PayResult } from "./core.js";
export type { StripeErrorBody } from "./errors.js";
export { CONNECT_ENABLED_EVENTS, type DeliveryAttempt, type DeliveryResult, ENABLED_EVENTS } from "./events.js";
export type { FaultQueue, FaultSpec } from "./faults.js";
export { encodeForm, parseForm } from "./form.js";
export { ONBOARDING_LABEL } from "./onboarding-page.js";
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
  /** Where Connect events (those with `account`) are POSTed; none are delivered while unset. */
  connectWebhookUrl?: string;
  /** Signing secret of the Connect endpoint (default "whsec_sandbox_connect"). */
  connectWebhookSecret?: string;
  /** The platform's country: destination charges to accounts elsewhere need on_behalf_of (default "US"). */
  platformCountry?: string;
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
  /** The Connect endpoint's signing secret and URL (Connect events go there, not to webhookUrl). */
  readonly connectWebhookSecret: string;
  readonly connectWebhookUrl: string | undefined;
  setConnectWebhookUrl(url: string | undefined): void;

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

  // ---- Connect ----
  /** A connected account as GET /v1/accounts/{id} answers it (also deauthorized or deleted ones). */
  getAccount(id: string): Stripe.Account | undefined;
  /** Every connected account created, oldest first. */
  readonly accounts: Stripe.Account[];
  /** Every transfer (destination charges), oldest first, reversals included. */
  readonly transfers: Stripe.Transfer[];
  /** Every application fee, oldest first, refunds included. */
  readonly applicationFees: Stripe.ApplicationFee[];
  /**
   * The money ledger: the platform's and each connected account's available balance per currency
   * and the movements behind them (captured, refunded, transferred, reversed, fees).
   */
  balances(): Balances;
  /**
   * What a browser does with an account link: opens it and, when the page shows, submits
   * `outcome`. Resolves with where the browser ends up: return_url, or refresh_url for an expired
   * or used link (then nothing changed).
   */
  followAccountLink(url: string, outcome?: OnboardingOutcome): Promise<{ redirectUrl: string; submitted: boolean }>;
  /** Ends the hosted onboarding with `outcome` without a browser (account.updated is sent). */
  onboard(accountId: string, outcome: OnboardingOutcome): Promise<Stripe.Account>;
  /** Restricts the account (`requirements.disabled_reason`), its transfers capability inactive. */
  restrictAccount(accountId: string, reason?: DisabledReason): Promise<Stripe.Account>;
  /** Enables the account: details submitted, capabilities active, nothing due. */
  enableAccount(accountId: string): Promise<Stripe.Account>;
  /** The account disconnects the platform: account.application.deauthorized, then 403 on access. */
  deauthorize(accountId: string): Promise<Stripe.Event>;
  /** A payout of the account's balance (or `amount`) fails: payout.failed with the account. */
  failPayout(
    accountId: string,
    opts?: { amount?: number; currency?: string; failureCode?: string; failureMessage?: string },
  ): Promise<Stripe.Payout>;

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
  const connectWebhookSecret = options.connectWebhookSecret ?? "whsec_sandbox_connect";
  const connectDeliverer = new EventDeliverer({
    secret: connectWebhookSecret,
    url: options.connectWebhookUrl,
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
    connectDeliverer,
    secretKey,
    application: `ca_${base62(32)}`,
    platformCountry: (options.platformCountry ?? "US").toUpperCase(),
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
      connectDeliverer,
      faults,
      idempotency,
      secretKey,
      apiVersion: STRIPE_API_VERSION,
      accountId: `acct_1${base62(15)}`,
      webhookEndpointId: newId.webhookEndpoint(),
      connectWebhookEndpointId: newId.webhookEndpoint(),
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
  const { connect } = core;
  /** Waits for the first delivery attempt of the events a test control raised. */
  const delivered = async (since: number) => {
    const fresh = [...store.events.keys()].slice(since);
    await Promise.all(fresh.map((id) => core.firstDelivery(id)));
  };
  const control = async <T>(run: () => unknown): Promise<T> => {
    const since = store.events.size;
    const result = run();
    await delivered(since);
    return copy<T>(result);
  };
  const accountById = (id: string) => {
    const a = store.accounts.get(id);
    return a ? copy<Stripe.Account>(connect.accountObject(a)) : undefined;
  };

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
    connectWebhookSecret,
    get connectWebhookUrl() {
      return connectDeliverer.url;
    },
    setConnectWebhookUrl(url) {
      connectDeliverer.url = url;
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
      const viaConnect = typeof (event as { account?: unknown }).account === "string";
      return (viaConnect ? connectDeliverer : deliverer).send(event, opts).done;
    },
    redeliver(eventId) {
      const event = store.event(eventId);
      return (event.account ? connectDeliverer : deliverer).send(event).done;
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
    async deliveriesSettled() {
      await Promise.all([deliverer.settled(), connectDeliverer.settled()]);
    },
    getAccount: accountById,
    get accounts() {
      return [...store.accounts.keys()].map((id) => accountById(id)!);
    },
    get transfers() {
      return [...store.transfers.values()].map((tr) => copy<Stripe.Transfer>(connect.transferObject(tr)));
    },
    get applicationFees() {
      return [...store.applicationFees.keys()].map((id) =>
        copy<Stripe.ApplicationFee>(connect.applicationFeeObject(id)),
      );
    },
    balances: () => core.ledger.snapshot(),
    async followAccountLink(url, outcome = "complete") {
      const token = /\/setup\/[esc]\/[^/]+\/([^/?#]+)/.exec(new URL(url).pathname)?.[1];
      const visit = token ? connect.visitLink(decodeURIComponent(token)) : null;
      if (!token || !visit) throw new Error(`followAccountLink: not an account link of this fake: ${url}`);
      if ("redirect" in visit) return { redirectUrl: visit.redirect, submitted: false };
      return control(() => ({
        redirectUrl: connect.submitLink(visit.page.link.token, outcome)!.redirect,
        submitted: true,
      }));
    },
    onboard: (accountId, outcome) => control(() => connect.onboard(accountId, outcome)),
    restrictAccount: (accountId, reason) => control(() => connect.restrict(accountId, reason)),
    enableAccount: (accountId) => control(() => connect.enable(accountId)),
    deauthorize: (accountId) => control(() => connect.deauthorize(accountId)),
    failPayout: (accountId, opts) => control(() => connect.failPayout(accountId, opts)),
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
      await Promise.all([deliverer.close(), connectDeliverer.close(), serverClosed]);
    },
  };
}
