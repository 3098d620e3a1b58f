// Conformance of the sandbox's fake Stripe, exercised only through the real `stripe` package
// (built by createStripeClient) and through the hosted page as a browser would use it.
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { type FakeStripe, type FakeStripeOptions, startFakeStripe } from "@baw/sandbox";
import Stripe from "stripe";
import t from "tap";
import { createStripeClient, isRetryableStripeError } from "../src/providers/stripe.js";

const WEBHOOK_SECRET = "whsec_test_fake_stripe";
// Stripe's published example objects, kept in the repository (see fixtures/stripe/README.md).
const FIXTURES = new URL("fixtures/stripe/", import.meta.url);

function fixtureKeys(name: string): string[] {
  const obj = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as Record<string, unknown>;
  return Object.keys(obj).sort();
}
const keysOf = (obj: object) => Object.keys(obj).sort();
/** Stripe's example charge shows every field; the API leaves `refunds` out unless it is expanded. */
const chargeKeys = () => fixtureKeys("charge").filter((k) => k !== "refunds");

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  event: Stripe.Event;
}

/** A tiny webhook receiver that verifies nothing itself and answers from a status script. */
async function startReceiver(statuses: number[] = []) {
  const received: Received[] = [];
  const waiters: { match: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const r: Received = { headers: req.headers, raw, event: JSON.parse(raw) as Stripe.Event };
      received.push(r);
      for (const w of [...waiters]) {
        if (w.match(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
      res.writeHead(statuses.shift() ?? 200, { "content-type": "application/json" });
      res.end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  return {
    url,
    received,
    /** Resolves with the first delivery (past or future) of an event of `type`. */
    next(type: string, timeoutMs = 3000): Promise<Received> {
      const match = (r: Received) => r.event.type === type;
      const seen = received.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} delivered within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          match,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

async function setup(
  t: { teardown: (fn: () => unknown) => void },
  opts: Partial<FakeStripeOptions> = {},
  receiverStatuses: number[] = [],
): Promise<{ fake: FakeStripe; stripe: Stripe; receiver: Receiver }> {
  const receiver = await startReceiver(receiverStatuses);
  const fake = await startFakeStripe({
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: receiver.url,
    deliveryRetryDelaysMs: [20, 40],
    ...opts,
  });
  const stripe = createStripeClient({
    secretKey: fake.secretKey,
    apiBase: fake.url,
    maxNetworkRetries: 1,
    timeoutMs: 3000,
  });
  t.teardown(async () => {
    await fake.close();
    await receiver.close();
  });
  return { fake, stripe, receiver };
}

const now = () => Math.floor(Date.now() / 1000);

/** The parameters the service sets on a booking's Checkout Session. */
function sessionParams(bookingId = "bk_123", overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  return {
    mode: "payment",
    line_items: [
      {
        quantity: 1,
        price_data: { currency: "usd", unit_amount: 6000, product_data: { name: "1:1 session with Ada (60 min)" } },
      },
    ],
    client_reference_id: bookingId,
    metadata: { booking_id: bookingId },
    payment_intent_data: { metadata: { booking_id: bookingId } },
    customer_email: "visitor@example.com",
    success_url: "https://shop.example/booking/done?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "https://shop.example/booking/cancelled",
    expires_at: now() + 30 * 60,
    ...overrides,
  } satisfies Stripe.Checkout.SessionCreateParams;
}

/** Loads the hosted page and submits its form as a browser would (without following the redirect). */
async function payThroughPage(session: Stripe.Checkout.Session, choose?: string): Promise<Response> {
  const pageUrl = session.url!;
  const page = await fetch(pageUrl);
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error("no form on the checkout page");
  const form = new URLSearchParams();
  const checked = /<input type="radio" name="outcome" value="([^"]+)"[^>]*checked/.exec(html)?.[1];
  form.set("outcome", choose ?? checked ?? "card");
  return fetch(new URL(action.replace(/&amp;/g, "&"), pageUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
}

t.test("creating a session with a booking's parameters returns a checkout.session shaped like Stripe's", async (t) => {
  const { fake, stripe } = await setup(t);
  const params = sessionParams("bk_create");
  const session = await stripe.checkout.sessions.create(params, { idempotencyKey: "attempt-create-1" });

  t.same(keysOf(session), fixtureKeys("checkout.session"), "same top-level keys as Stripe's example object");
  t.match(session.id, /^cs_test_[A-Za-z0-9]{20,}$/);
  t.equal(session.object, "checkout.session");
  t.equal(session.success_url, `https://shop.example/booking/done?session_id=${session.id}`);
  t.equal(session.cancel_url, "https://shop.example/booking/cancelled");
  t.equal(session.amount_total, 6000);
  t.equal(session.amount_subtotal, 6000);
  t.equal(session.currency, "usd");
  t.equal(session.client_reference_id, "bk_create");
  t.same(session.metadata, { booking_id: "bk_create" });
  t.equal(session.customer_email, "visitor@example.com");
  t.equal(session.mode, "payment");
  t.equal(session.status, "open");
  t.equal(session.payment_status, "unpaid");
  t.equal(session.payment_intent, null);
  t.equal(session.livemode, false);
  t.equal(session.expires_at, params.expires_at);
  t.ok(Math.abs(session.created - now()) <= 2, "created is now");
  t.equal(session.url, `${fake.url}/checkout/${session.id}`);

  const log = fake.requests.filter((r) => r.path === "/v1/checkout/sessions");
  t.equal(log.length, 1);
  t.equal(log[0]!.idempotencyKey, "attempt-create-1");
  t.equal(log[0]!.stripeVersion, "2025-10-29.clover", "the client pins the API version");
  t.same(log[0]!.params["payment_intent_data"], { metadata: { booking_id: "bk_create" } });

  const items = await stripe.checkout.sessions.listLineItems(session.id);
  t.equal(items.data.length, 1);
  t.equal(items.data[0]!.amount_total, 6000);
  t.equal(items.data[0]!.description, "1:1 session with Ada (60 min)");

  const retrieved = await stripe.checkout.sessions.retrieve(session.id);
  t.same(retrieved, session, "retrieve returns the same object");
});

t.test("idempotency: same key and body replays, same key with another body is an idempotency_error", async (t) => {
  const { fake, stripe } = await setup(t);
  const params = sessionParams("bk_idem");
  const first = await stripe.checkout.sessions.create(params, { idempotencyKey: "attempt-idem" });
  const again = await stripe.checkout.sessions.create(params, { idempotencyKey: "attempt-idem" });
  t.equal(again.id, first.id, "the replay returns the same session");
  t.equal(again.lastResponse.headers["idempotent-replayed"], "true");
  t.equal(first.lastResponse.headers["idempotent-replayed"], undefined);
  t.equal(fake.sessions.length, 1, "only one session exists");

  const err = await stripe.checkout.sessions
    .create({ ...params, client_reference_id: "bk_other" }, { idempotencyKey: "attempt-idem" })
    .then(
      () => null,
      (e: unknown) => e,
    );
  t.ok(err instanceof Stripe.errors.StripeIdempotencyError, "StripeIdempotencyError");
  t.equal((err as Stripe.errors.StripeError).rawType, "idempotency_error");
  t.equal((err as Stripe.errors.StripeError).statusCode, 400);
  t.notOk(isRetryableStripeError(err), "a key reused with other parameters is not retryable");
  t.equal(fake.sessions.length, 1);
});

t.test("expires_at outside [now + 30 min, now + 24 h] is an invalid_request_error on expires_at", async (t) => {
  const { fake, stripe } = await setup(t);
  for (const expiresAt of [now() + 10 * 60, now() + 25 * 60 * 60]) {
    const err = await stripe.checkout.sessions
      .create(sessionParams("bk_exp", { expires_at: expiresAt }), { idempotencyKey: "attempt-exp" })
      .then(
        () => null,
        (e: unknown) => e,
      );
    t.ok(err instanceof Stripe.errors.StripeInvalidRequestError, "StripeInvalidRequestError");
    t.equal((err as Stripe.errors.StripeError).param, "expires_at");
    t.notOk(isRetryableStripeError(err));
  }
  t.equal(fake.sessions.length, 0);
  // Validation failures are not saved against the key: the corrected request goes through.
  const ok = await stripe.checkout.sessions.create(sessionParams("bk_exp"), { idempotencyKey: "attempt-exp" });
  t.equal(ok.status, "open");
});

t.test("other parameter errors name the param, like Stripe", async (t) => {
  const { stripe } = await setup(t);
  const cases: [Stripe.Checkout.SessionCreateParams, string][] = [
    [{ ...sessionParams(), line_items: [] }, "line_items"],
    [{ ...sessionParams(), success_url: "not a url" }, "success_url"],
    [
      {
        ...sessionParams(),
        line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: -1, product_data: { name: "x" } } }],
      },
      "line_items[0][price_data][unit_amount]",
    ],
    [{ ...sessionParams(), customer_email: "nope" }, "customer_email"],
  ];
  for (const [params, param] of cases) {
    const err = await stripe.checkout.sessions.create(params).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(err instanceof Stripe.errors.StripeInvalidRequestError, `${param}: StripeInvalidRequestError`);
    t.equal((err as Stripe.errors.StripeError).param, param);
  }
  const unknown = await stripe.checkout.sessions
    .create({ ...sessionParams(), bogus_param: "x" } as Stripe.Checkout.SessionCreateParams)
    .then(
      () => null,
      (e: unknown) => e as Stripe.errors.StripeError,
    );
  t.match(unknown?.message, /Received unknown parameter: bogus_param/);
});

t.test(
  "paying on the hosted page completes the session and delivers a signed checkout.session.completed",
  async (t) => {
    const { fake, stripe, receiver } = await setup(t);
    const session = await stripe.checkout.sessions.create(sessionParams("bk_pay"), { idempotencyKey: "attempt-pay" });

    const page = await fetch(session.url!);
    t.equal(page.status, 200);
    t.equal(page.headers.get("x-frame-options"), "DENY", "the page refuses to be framed, like Stripe Checkout");
    const html = await page.text();
    t.match(html, "Sandbox Checkout — no real money");
    t.match(html, "$60.00");
    t.match(html, "visitor@example.com");
    t.match(html, 'id="pay"');
    t.match(html, 'id="cancel"');

    const res = await payThroughPage(session);
    t.equal(res.status, 303);
    t.equal(res.headers.get("location"), `https://shop.example/booking/done?session_id=${session.id}`);

    const delivery = await receiver.next("checkout.session.completed");
    const header = delivery.headers["stripe-signature"] as string;
    t.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(delivery.raw, header, WEBHOOK_SECRET);
    t.equal(event.type, "checkout.session.completed");
    t.same(keysOf(event), fixtureKeys("event"), "event has Stripe's event keys");
    t.match(event.id, /^evt_/);
    t.equal(event.api_version, "2025-10-29.clover");
    t.same(event.request, { id: null, idempotency_key: null });
    t.equal(event.pending_webhooks, 1);
    t.throws(() => stripe.webhooks.constructEvent(delivery.raw, header, "whsec_wrong"), "another secret fails");

    const completed = event.data.object as Stripe.Checkout.Session;
    t.equal(completed.id, session.id);
    t.equal(completed.status, "complete");
    t.equal(completed.payment_status, "paid");
    t.equal(completed.client_reference_id, "bk_pay");
    t.same(completed.metadata, { booking_id: "bk_pay" });
    t.equal(completed.customer_details?.email, "visitor@example.com");
    t.match(completed.payment_intent, /^pi_/);
    t.equal(completed.url, null, "a completed session has no URL");
    t.same(keysOf(completed), fixtureKeys("checkout.session"));

    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ["payment_intent.latest_charge"] });
    const pi = expanded.payment_intent as Stripe.PaymentIntent;
    t.same(keysOf(pi), fixtureKeys("payment_intent"), "payment_intent has Stripe's keys");
    t.equal(pi.status, "succeeded");
    t.equal(pi.amount, 6000);
    t.equal(pi.amount_received, 6000);
    t.same(pi.metadata, { booking_id: "bk_pay" }, "payment_intent_data.metadata is copied to the intent");
    const charge = pi.latest_charge as Stripe.Charge;
    t.same(keysOf(charge), chargeKeys(), "charge has Stripe's keys (refunds only when expanded)");
    t.match(charge.id, /^ch_/);
    t.equal(charge.amount, 6000);
    t.equal(charge.amount_refunded, 0);
    t.equal(charge.refunded, false);
    t.equal(charge.payment_intent, pi.id);

    const piDirect = await stripe.paymentIntents.retrieve(pi.id);
    t.equal(piDirect.latest_charge, charge.id);
    const evtDirect = await stripe.events.retrieve(event.id);
    t.equal(evtDirect.pending_webhooks, 0, "delivered events have no pending webhooks");
    t.equal(fake.deliveries.filter((d) => d.eventId === event.id && d.ok).length, 1);

    const after = await (await fetch(session.url!)).text();
    t.notMatch(after, 'id="pay"', "a completed session's page offers no Pay button");
    t.match(after, 'data-status="complete"');
    // A second submit of the same form (double click, back button) changes nothing.
    const second = await fetch(`${session.url}/pay`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "outcome=card",
      redirect: "manual",
    });
    t.equal(second.status, 409, "paying twice is refused");
    t.equal(fake.events.filter((e) => e.type === "checkout.session.completed").length, 1);
  },
);

t.test("Cancel sends the browser to cancel_url and leaves the session open", async (t) => {
  const { fake, stripe } = await setup(t);
  const session = await stripe.checkout.sessions.create(sessionParams("bk_cancel"));
  const html = await (await fetch(session.url!)).text();
  const href = /<a id="cancel" href="([^"]+)"/.exec(html)?.[1];
  t.ok(href, "the page has a cancel link");
  const res = await fetch(new URL(href!, session.url!), { redirect: "manual" });
  t.equal(res.status, 303);
  t.equal(res.headers.get("location"), "https://shop.example/booking/cancelled");
  t.equal(fake.getSession(session.id)?.status, "open");
  t.same(fake.abandon(session.id), { cancelUrl: "https://shop.example/booking/cancelled" });
});

t.test("expire through the API delivers checkout.session.expired; an expired session cannot be paid", async (t) => {
  const { fake, stripe, receiver } = await setup(t);
  const session = await stripe.checkout.sessions.create(sessionParams("bk_expire"));
  const expired = await stripe.checkout.sessions.expire(session.id, {}, { idempotencyKey: "expire-1" });
  t.equal(expired.status, "expired");
  t.equal(expired.url, null);

  const delivery = await receiver.next("checkout.session.expired");
  const event = stripe.webhooks.constructEvent(
    delivery.raw,
    delivery.headers["stripe-signature"] as string,
    WEBHOOK_SECRET,
  );
  t.equal((event.data.object as Stripe.Checkout.Session).id, session.id);
  t.equal((event.data.object as Stripe.Checkout.Session).status, "expired");
  t.equal(event.request?.idempotency_key, "expire-1");
  t.match(event.request?.id, /^req_/);

  const again = await stripe.checkout.sessions.expire(session.id).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(again instanceof Stripe.errors.StripeInvalidRequestError, "expiring twice is an invalid request");

  const html = await (await fetch(session.url!)).text();
  t.notMatch(html, 'id="pay"');
  t.match(html, 'data-status="expired"');
  await t.rejects(fake.pay(session.id), /expired/);
});

t.test("open sessions expire by themselves when expires_at passes", async (t) => {
  const { fake, stripe, receiver } = await setup(t, { minExpirySeconds: 1 });
  const session = await stripe.checkout.sessions.create(sessionParams("bk_auto", { expires_at: now() + 1 }));
  const delivery = await receiver.next("checkout.session.expired", 3500);
  t.equal((delivery.event.data.object as Stripe.Checkout.Session).id, session.id);
  t.equal(fake.getSession(session.id)?.status, "expired");
});

t.test("async payments complete unpaid, then settle as succeeded or failed", async (t) => {
  const { fake, stripe, receiver } = await setup(t, { asyncSettleMs: 10 });
  const ok = await stripe.checkout.sessions.create(sessionParams("bk_async_ok"));
  const html = await (await fetch(`${ok.url}?async=1`)).text();
  t.match(html, /value="async_success" id="outcome-async_success" checked/, "?async=1 preselects the bank debit");
  const res = await payThroughPage({ ...ok, url: `${ok.url}?async=1` });
  t.equal(res.status, 303);
  const completed = await receiver.next("checkout.session.completed");
  t.equal((completed.event.data.object as Stripe.Checkout.Session).payment_status, "unpaid");
  const succeeded = await receiver.next("checkout.session.async_payment_succeeded");
  const okSession = succeeded.event.data.object as Stripe.Checkout.Session;
  t.equal(okSession.id, ok.id);
  t.equal(okSession.payment_status, "paid");
  const pi = await stripe.paymentIntents.retrieve(okSession.payment_intent as string);
  t.equal(pi.status, "succeeded");

  const bad = await stripe.checkout.sessions.create(sessionParams("bk_async_fail"));
  const result = await fake.pay(bad.id, { async: true, fail: true, settleAfterMs: -1 });
  t.equal(result.outcome, "processing");
  t.equal(fake.getSession(bad.id)?.payment_status, "unpaid");
  await fake.settle(bad.id, { fail: true });
  const failed = await receiver.next("checkout.session.async_payment_failed");
  t.equal((failed.event.data.object as Stripe.Checkout.Session).id, bad.id);
  const failedPi = await stripe.paymentIntents.retrieve(fake.getSession(bad.id)!.payment_intent as string);
  t.equal(failedPi.status, "requires_payment_method");

  const declined = await stripe.checkout.sessions.create(sessionParams("bk_decline"));
  const declineRes = await payThroughPage(declined, "decline");
  t.equal(declineRes.status, 402, "a declined card stays on the page");
  t.equal(fake.getSession(declined.id)?.status, "open");
});

t.test("refunds: Stripe's refund shape, charge.refunded events, and no refund beyond what is left", async (t) => {
  const { fake, stripe, receiver } = await setup(t);
  const session = await stripe.checkout.sessions.create(sessionParams("bk_refund"));
  await fake.pay(session.id);
  const piId = fake.getSession(session.id)!.payment_intent as string;

  const partial = await stripe.refunds.create(
    { payment_intent: piId, amount: 2000, reason: "requested_by_customer", metadata: { booking_id: "bk_refund" } },
    { idempotencyKey: "refund-1" },
  );
  t.same(keysOf(partial), fixtureKeys("refund"), "refund has Stripe's keys");
  t.match(partial.id, /^re_/);
  t.equal(partial.status, "succeeded");
  t.equal(partial.amount, 2000);
  t.equal(partial.payment_intent, piId);
  t.same(partial.metadata, { booking_id: "bk_refund" });
  const replay = await stripe.refunds.create(
    { payment_intent: piId, amount: 2000, reason: "requested_by_customer", metadata: { booking_id: "bk_refund" } },
    { idempotencyKey: "refund-1" },
  );
  t.equal(replay.id, partial.id, "an idempotent retry does not refund twice");
  t.equal(fake.refunds.length, 1);

  const delivery = await receiver.next("charge.refunded");
  const event = stripe.webhooks.constructEvent(
    delivery.raw,
    delivery.headers["stripe-signature"] as string,
    WEBHOOK_SECRET,
  );
  const charge = event.data.object as Stripe.Charge;
  t.same(keysOf(charge), chargeKeys());
  t.notOk("refunds" in charge, "the event's charge leaves refunds out, as Stripe does");
  t.notOk("refunds" in (event.data.previous_attributes ?? {}));
  t.equal(charge.amount_refunded, 2000);
  t.equal(charge.refunded, false);
  t.equal(charge.payment_intent, piId);
  t.same(charge.metadata, { booking_id: "bk_refund" });
  t.equal((event.data.previous_attributes as { amount_refunded?: number }).amount_refunded, 0);
  t.equal(event.request?.idempotency_key, "refund-1");

  const tooMuch = await stripe.refunds.create({ payment_intent: piId, amount: 4001 }).then(
    () => null,
    (e: unknown) => e as Stripe.errors.StripeError,
  );
  t.ok(tooMuch instanceof Stripe.errors.StripeInvalidRequestError);
  t.equal(tooMuch?.code, "amount_too_large");
  t.equal(tooMuch?.param, "amount");

  const rest = await stripe.refunds.create({ charge: charge.id });
  t.equal(rest.amount, 4000, "without amount, the remainder is refunded");
  const fetched = await stripe.refunds.retrieve(rest.id);
  t.equal(fetched.charge, charge.id);
  const finalCharge = await stripe.charges.retrieve(charge.id);
  t.equal(finalCharge.refunded, true);
  t.equal(finalCharge.amount_refunded, 6000);
  t.notOk("refunds" in finalCharge, "refunds are left out unless expanded");
  const withRefunds = await stripe.charges.retrieve(charge.id, { expand: ["refunds"] });
  t.match(withRefunds.refunds, { object: "list", has_more: false, url: `/v1/charges/${charge.id}/refunds` });
  t.same(
    withRefunds.refunds?.data.map((r) => [r.id, r.amount]),
    [
      [rest.id, 4000],
      [partial.id, 2000],
    ],
    "expanded: newest first",
  );
  const none = await stripe.refunds.create({ payment_intent: piId }).then(
    () => null,
    (e: unknown) => e as Stripe.errors.StripeError,
  );
  t.equal(none?.code, "charge_already_refunded");
  t.equal(fake.events.filter((e) => e.type === "charge.refunded").length, 2);
});

t.test("unknown ids are 404 resource_missing, naming the path parameter", async (t) => {
  const { stripe } = await setup(t);
  for (const [param, call] of [
    ["session", () => stripe.checkout.sessions.retrieve("cs_test_missing")],
    ["session", () => stripe.checkout.sessions.expire("cs_test_missing")],
    ["intent", () => stripe.paymentIntents.retrieve("pi_missing")],
    ["charge", () => stripe.charges.retrieve("ch_missing")],
    ["refund", () => stripe.refunds.retrieve("re_missing")],
    ["id", () => stripe.events.retrieve("evt_missing")],
  ] as const) {
    const err = await (call as () => Promise<unknown>)().then(
      () => null,
      (e: unknown) => e as Stripe.errors.StripeError,
    );
    t.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
    t.equal(err?.statusCode, 404);
    t.equal(err?.code, "resource_missing");
    t.equal(err?.param, param, `param: ${param}`);
  }
  const refund = await stripe.refunds.create({ payment_intent: "pi_nope" }).then(
    () => null,
    (e: unknown) => e as Stripe.errors.StripeError,
  );
  t.equal(refund?.code, "resource_missing");
  t.equal(refund?.param, "payment_intent");
});

t.test("webhook_endpoints and account describe the sandbox for a config doctor", async (t) => {
  const { fake, stripe, receiver } = await setup(t);
  const endpoints = await stripe.webhookEndpoints.list();
  t.equal(endpoints.data.length, 1);
  t.equal(endpoints.data[0]!.url, receiver.url);
  t.same(endpoints.data[0]!.enabled_events.slice().sort(), [
    "charge.refunded",
    "checkout.session.async_payment_failed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.completed",
    "checkout.session.expired",
  ]);
  const account = await stripe.accounts.retrieveCurrent();
  t.match(account.id, /^acct_/);
  t.equal(account.charges_enabled, true);
  fake.setWebhookUrl(undefined);
  t.equal((await stripe.webhookEndpoints.list()).data.length, 0);
});

t.test("faults: a 500 is retried by the client with the same Idempotency-Key", async (t) => {
  const { fake, stripe } = await setup(t);
  fake.faults.next({ path: /^\/v1\/checkout\/sessions$/, status: 500 });
  const session = await stripe.checkout.sessions.create(sessionParams("bk_retry"), { idempotencyKey: "attempt-retry" });
  t.equal(session.status, "open");
  const attempts = fake.requests.filter((r) => r.path === "/v1/checkout/sessions");
  t.same(
    attempts.map((r) => [r.status, r.idempotencyKey]),
    [
      [500, "attempt-retry"],
      [200, "attempt-retry"],
    ],
  );
  t.equal(fake.sessions.length, 1);

  // Without an explicit key the client generates one, and still reuses it across its retries.
  fake.faults.next({ method: "POST", path: "/v1/checkout/sessions", status: 503 });
  await stripe.checkout.sessions.create(sessionParams("bk_retry2"));
  const [a, b] = fake.requests.filter((r) => r.path === "/v1/checkout/sessions").slice(-2);
  t.equal(a?.status, 503);
  t.equal(b?.status, 200);
  t.match(a?.idempotencyKey, /^stripe-node-retry-/);
  t.equal(a?.idempotencyKey, b?.idempotencyKey);
  t.equal(fake.faults.pending, 0);
});

t.test("faults: more 500s than retries surface as a retryable StripeAPIError", async (t) => {
  const { fake, stripe } = await setup(t);
  fake.faults.next({ path: /checkout/, status: 500, times: 2 });
  const err = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: "k-500" }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof Stripe.errors.StripeAPIError);
  t.ok(isRetryableStripeError(err));
  t.equal(fake.sessions.length, 0);
  const later = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: "k-500" });
  t.equal(later.status, "open", "a fault saved nothing against the key");
});

t.test("faults: a delay beyond the client timeout is a StripeConnectionError", async (t) => {
  const { fake } = await setup(t);
  const impatient = createStripeClient({
    secretKey: fake.secretKey,
    apiBase: fake.url,
    timeoutMs: 150,
    maxNetworkRetries: 0,
  });
  fake.faults.next({ path: /^\/v1\/account$/, delayMs: 1000 });
  const started = Date.now();
  const err = await impatient.accounts.retrieveCurrent().then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof Stripe.errors.StripeConnectionError, "StripeConnectionError");
  t.ok(Date.now() - started < 900, "gave up at the timeout");
  t.ok(isRetryableStripeError(err));
});

t.test("faults: 429 and an in-flight idempotency conflict", async (t) => {
  const { fake, stripe } = await setup(t);
  fake.faults.next({ path: /^\/v1\/refunds/, status: 429 });
  const limited = await stripe.refunds.create({ payment_intent: "pi_x" }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(limited instanceof Stripe.errors.StripeRateLimitError);
  t.ok(isRetryableStripeError(limited));

  // 409 idempotency_key_in_use is retried by the client itself.
  fake.faults.next({ path: /^\/v1\/checkout\/sessions$/, idempotencyConflict: true });
  const session = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: "k-409" });
  t.equal(session.status, "open");
  t.same(
    fake.requests.filter((r) => r.idempotencyKey === "k-409").map((r) => r.status),
    [409, 200],
  );

  const noRetry = createStripeClient({ secretKey: fake.secretKey, apiBase: fake.url, maxNetworkRetries: 0 });
  fake.faults.next({ path: /^\/v1\/checkout\/sessions$/, idempotencyConflict: true });
  const conflict = await noRetry.checkout.sessions.create(sessionParams(), { idempotencyKey: "k-409b" }).then(
    () => null,
    (e: unknown) => e as Stripe.errors.StripeError,
  );
  t.equal(conflict?.statusCode, 409);
  t.equal(conflict?.code, "idempotency_key_in_use");
  t.ok(isRetryableStripeError(conflict));
});

t.test("a request with the wrong secret key is a 401", async (t) => {
  const { fake } = await setup(t);
  const wrong = createStripeClient({ secretKey: "sk_test_wrong_key_123456", apiBase: fake.url, maxNetworkRetries: 0 });
  const err = await wrong.checkout.sessions.create(sessionParams()).then(
    () => null,
    (e: unknown) => e as Stripe.errors.StripeError,
  );
  t.ok(err instanceof Stripe.errors.StripeAuthenticationError);
  t.equal(err?.statusCode, 401);
  t.notOk(isRetryableStripeError(err));
  t.equal(fake.sessions.length, 0);
  const bare = await fetch(`${fake.url}/v1/account`);
  t.equal(bare.status, 401);
  const body = (await bare.json()) as { error: { type: string; message: string } };
  t.equal(body.error.type, "invalid_request_error");
  t.match(body.error.message, /did not provide an API key/);
});

t.test("event delivery retries failed attempts, signs each one, and redelivers on demand", async (t) => {
  const { fake, stripe, receiver } = await setup(t, {}, [500, 502]);
  const session = await stripe.checkout.sessions.create(sessionParams("bk_deliver"));
  await fake.pay(session.id);
  const eventId = fake.events[0]!.id;
  // The fake records an attempt once its answer is in, which can be after the receiver saw it: wait
  // for the record (bounded generously, for a loaded machine), not for the receiver.
  const recorded = () => fake.deliveries.filter((d) => d.eventId === eventId);
  for (let i = 0; i < 1000 && recorded().length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(receiver.received.length, 3);
  const attempts = recorded();
  t.same(
    attempts.map((a) => [a.attempt, a.status, a.ok]),
    [
      [1, 500, false],
      [2, 502, false],
      [3, 200, true],
    ],
  );
  for (const r of receiver.received) {
    t.equal(r.event.id, eventId, "every attempt carries the same event");
    t.doesNotThrow(() =>
      stripe.webhooks.constructEvent(r.raw, r.headers["stripe-signature"] as string, WEBHOOK_SECRET),
    );
  }
  const again = await fake.redeliver(eventId);
  t.equal(again.delivered, true);
  t.equal(receiver.received.length, 4);

  const forged = await fake.deliver(fake.events[0]!, { secret: "whsec_other" });
  t.equal(forged.delivered, true);
  const last = receiver.received.at(-1)!;
  t.throws(() => stripe.webhooks.constructEvent(last.raw, last.headers["stripe-signature"] as string, WEBHOOK_SECRET));
});

t.test("delivery gives up after its bounded retries and stops at close()", async (t) => {
  const receiver = await startReceiver([500, 500, 500, 500, 500, 500]);
  t.teardown(() => receiver.close());
  const fake = await startFakeStripe({
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: receiver.url,
    deliveryRetryDelaysMs: [10, 10],
  });
  const bounded = await fake.deliver({ id: "evt_manual", object: "event", type: "checkout.session.completed" });
  t.equal(bounded.delivered, false);
  t.equal(bounded.attempts.length, 3, "one try plus two retries");

  const slow = await startFakeStripe({
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: receiver.url,
    deliveryRetryDelaysMs: [60_000],
  });
  const pending = slow.deliver({ id: "evt_slow", object: "event", type: "checkout.session.completed" });
  for (let i = 0; i < 100 && slow.deliveries.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const closing = Date.now();
  await slow.close();
  const result = await pending;
  t.ok(Date.now() - closing < 1000, "close() does not wait for the 60 s retry");
  t.equal(result.attempts.length, 1);
  await fake.close();
});

t.test(
  "receipts and promotion codes: invoice_creation and allow_promotion_codes are kept on the session",
  async (t) => {
    const { stripe } = await setup(t);
    const plain = await stripe.checkout.sessions.create(sessionParams("bk_plain"));
    t.equal(plain.allow_promotion_codes, null);
    t.equal(plain.invoice_creation?.enabled, false);
    const session = await stripe.checkout.sessions.create(
      sessionParams("bk_receipt", {
        allow_promotion_codes: true,
        invoice_creation: { enabled: true, invoice_data: { description: "Booking bk_receipt", metadata: { b: "1" } } },
      }),
    );
    t.equal(session.allow_promotion_codes, true);
    t.equal(session.invoice_creation?.enabled, true);
    t.equal(session.invoice_creation?.invoice_data.description, "Booking bk_receipt");
    t.same(session.invoice_creation?.invoice_data.metadata, { b: "1" });
    const missing = await stripe.checkout.sessions
      .create(
        sessionParams("bk_x", {
          invoice_creation: { invoice_data: { footer: "x" } } as Stripe.Checkout.SessionCreateParams.InvoiceCreation,
        }),
      )
      .catch((e: Stripe.errors.StripeError) => e);
    t.equal((missing as Stripe.errors.StripeError).param, "invoice_creation[enabled]");
    const both = await stripe.checkout.sessions
      .create(sessionParams("bk_y", { allow_promotion_codes: true, discounts: [{ coupon: "X" }] }))
      .catch((e: Stripe.errors.StripeError) => e);
    t.equal((both as Stripe.errors.StripeError).param, "discounts");
  },
);
