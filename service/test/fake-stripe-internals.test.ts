// Unit-level checks of the fake Stripe's pieces (form parsing, faults, hosted page) and of the
// Stripe client factory's configuration and retry classification.

import { startFakeStripe } from "@baw/sandbox";
import { FaultQueue } from "@baw/sandbox/fake-stripe/faults";
import { encodeForm, parseForm } from "@baw/sandbox/fake-stripe/form";
import Stripe from "stripe";
import t from "tap";
import { createStripeClient, isRetryableStripeError, STRIPE_API_VERSION } from "../src/providers/stripe.js";

t.test("parseForm reads Stripe's bracket notation into nested objects and arrays", async (t) => {
  const body =
    "mode=payment&line_items[0][price_data][unit_amount]=6000&line_items[0][price_data][product_data][name]=A%20%26%20B" +
    "&line_items[0][quantity]=1&line_items[1][quantity]=2&metadata[booking_id]=bk_1" +
    "&payment_intent_data[metadata][booking_id]=bk_1&expand[]=payment_intent&expand[]=line_items&success_url=" +
    encodeURIComponent("https://x.test/ok?session_id={CHECKOUT_SESSION_ID}");
  t.same(parseForm(body), {
    mode: "payment",
    line_items: [
      { price_data: { unit_amount: "6000", product_data: { name: "A & B" } }, quantity: "1" },
      { quantity: "2" },
    ],
    metadata: { booking_id: "bk_1" },
    payment_intent_data: { metadata: { booking_id: "bk_1" } },
    expand: ["payment_intent", "line_items"],
    success_url: "https://x.test/ok?session_id={CHECKOUT_SESSION_ID}",
  });
  t.same(parseForm("expand[0]=a&expand[1]=b"), { expand: ["a", "b"] }, "the stripe package's indices form");
  t.same(parseForm("a[10]=x&a[2]=y"), { a: ["y", "x"] }, "sparse indices are ordered and compacted");
  t.same(parseForm(""), {});
  t.throws(() => parseForm("__proto__[polluted]=1"), /Invalid parameter name/);
  t.throws(() => parseForm("metadata[constructor]=1"), /Invalid parameter name/);
  t.equal(({} as Record<string, unknown>)["polluted"], undefined);
  t.throws(() => parseForm("a=1&a[b]=2"), /Conflicting/);
  t.throws(() => parseForm("a[b]x=1"), /Invalid parameter name/);
  t.throws(() => parseForm("a[1000]=1"), /too large/);
});

t.test("encodeForm and parseForm round-trip", async (t) => {
  const params = {
    mode: "payment",
    line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 6000 } }],
    metadata: { booking_id: "b&1=2" },
  };
  const encoded = encodeForm(params);
  t.match(encoded, "line_items[0][price_data][unit_amount]=6000");
  t.same(parseForm(encoded), {
    mode: "payment",
    line_items: [{ quantity: "1", price_data: { currency: "usd", unit_amount: "6000" } }],
    metadata: { booking_id: "b&1=2" },
  });
});

t.test("FaultQueue matches by method and path and counts down", async (t) => {
  const q = new FaultQueue();
  q.next({ path: /^\/v1\/refunds/, status: 500, times: 2 }).next({ method: "GET", path: "/v1/account", delayMs: 5 });
  t.equal(q.take("POST", "/v1/checkout/sessions"), undefined);
  t.equal(q.take("GET", "/v1/refunds/re_1")?.status, 500);
  t.equal(q.take("POST", "/v1/refunds")?.status, 500);
  t.equal(q.take("POST", "/v1/refunds"), undefined, "used up");
  t.equal(q.take("POST", "/v1/account"), undefined, "method must match");
  t.equal(q.take("GET", "/v1/account")?.delayMs, 5);
  t.equal(q.pending, 0);
  t.throws(() => q.next({ status: 200 }));
  t.throws(() => q.next({ times: 0 }));
  q.next({ status: 503 });
  q.clear();
  t.equal(q.pending, 0);
});

t.test("createStripeClient points the real client at apiBase and pins the API version", async (t) => {
  const fields = (s: Stripe) => (s as unknown as { getApiField(k: string): unknown }).getApiField.bind(s);
  const local = fields(createStripeClient({ secretKey: "sk_test_x", apiBase: "http://127.0.0.1:4242" }));
  t.equal(local("host"), "127.0.0.1");
  t.equal(local("port"), 4242);
  t.equal(local("protocol"), "http");
  t.equal(local("version"), STRIPE_API_VERSION);
  const v6 = fields(createStripeClient({ secretKey: "sk_test_x", apiBase: "https://[::1]" }));
  t.equal(v6("host"), "::1");
  t.equal(v6("port"), 443);
  t.equal(v6("protocol"), "https");
  const real = fields(createStripeClient({ secretKey: "sk_test_x", timeoutMs: 1234, maxNetworkRetries: 3 }));
  t.equal(real("host"), "api.stripe.com");
  t.equal(real("timeout"), 1234);
  t.equal(real("maxNetworkRetries"), 3);
  t.throws(
    () => createStripeClient({ secretKey: "sk_test_x", apiBase: "http://127.0.0.1:4242/stripe" }),
    /without path/,
  );
  t.throws(() => createStripeClient({ secretKey: "sk_test_x", apiBase: "ftp://x" }), /http/);
  t.throws(() => createStripeClient({ secretKey: "" }), /secretKey/);
});

t.test("isRetryableStripeError separates transient failures from permanent ones", async (t) => {
  const e = Stripe.errors;
  t.ok(isRetryableStripeError(new e.StripeConnectionError({ message: "x", type: "api_error" })));
  t.ok(isRetryableStripeError(new e.StripeAPIError({ message: "x", type: "api_error", statusCode: 500 })));
  t.ok(isRetryableStripeError(new e.StripeAPIError({ message: "x", type: "api_error", statusCode: 503 })));
  t.ok(isRetryableStripeError(new e.StripeRateLimitError({ message: "x", type: "rate_limit_error", statusCode: 429 })));
  t.ok(
    isRetryableStripeError(
      new e.StripeInvalidRequestError({
        message: "x",
        type: "invalid_request_error",
        code: "lock_timeout",
        statusCode: 429,
      }),
    ),
  );
  t.ok(
    isRetryableStripeError(
      new e.StripeIdempotencyError({
        message: "x",
        type: "idempotency_error",
        code: "idempotency_key_in_use",
        statusCode: 409,
      }),
    ),
  );
  t.notOk(
    isRetryableStripeError(new e.StripeIdempotencyError({ message: "x", type: "idempotency_error", statusCode: 400 })),
  );
  t.notOk(isRetryableStripeError(new e.StripeCardError({ message: "x", type: "card_error", statusCode: 402 })));
  t.notOk(
    isRetryableStripeError(
      new e.StripeInvalidRequestError({ message: "x", type: "invalid_request_error", statusCode: 400 }),
    ),
  );
  t.notOk(
    isRetryableStripeError(
      new e.StripeAPIError({
        message: "x",
        type: "api_error",
        statusCode: 500,
        headers: { "stripe-should-retry": "false" },
      }),
    ),
    "Stripe-Should-Retry: false wins",
  );
  t.ok(isRetryableStripeError(Object.assign(new Error("reset"), { code: "ECONNRESET" })));
  t.notOk(isRetryableStripeError(new Error("boom")));
  t.notOk(isRetryableStripeError(undefined));
});

t.test("hosted page: escapes what it shows, asks for an email when none was given, honours publicUrl", async (t) => {
  const fake = await startFakeStripe({ webhookSecret: "whsec_x", publicUrl: "https://pay.sandbox.test/" });
  t.teardown(() => fake.close());
  const stripe = createStripeClient({ secretKey: fake.secretKey, apiBase: fake.url, maxNetworkRetries: 0 });
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [
      {
        quantity: 2,
        price_data: { currency: "jpy", unit_amount: 3000, product_data: { name: '<script>alert("x")</script>' } },
      },
    ],
    success_url: "https://shop.example/ok?id={CHECKOUT_SESSION_ID}",
    cancel_url: "https://shop.example/cancel?id={CHECKOUT_SESSION_ID}",
  });
  t.equal(session.url, `https://pay.sandbox.test/checkout/${session.id}`);
  t.equal(session.cancel_url, `https://shop.example/cancel?id=${session.id}`);
  t.equal(session.amount_total, 6000);
  t.ok(session.expires_at - Math.floor(Date.now() / 1000) > 23 * 3600, "default expiry is 24 h");

  const page = await fetch(`${fake.url}/checkout/${session.id}?async=fail`);
  const html = await page.text();
  t.notMatch(html, '<script>alert("x")', "product names are escaped");
  t.match(html, "&#60;script&#62;");
  t.match(html, "¥6,000", "zero-decimal currencies are formatted without minor units");
  t.match(html, 'id="email"', "asks for an email");
  t.match(html, /value="async_fail" id="outcome-async_fail" checked/);
  t.match(page.headers.get("content-security-policy"), "frame-ancestors 'none'");

  const payUrl = `${fake.url}/checkout/${session.id}/pay`;
  const post = (body: string) =>
    fetch(payUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      redirect: "manual",
    });
  t.equal((await post("outcome=card")).status, 400, "the email is required");
  t.equal(fake.getSession(session.id)?.status, "open");
  const paid = await post("outcome=card&email=typed%40example.com");
  t.equal(paid.status, 303);
  t.equal(paid.headers.get("location"), `https://shop.example/ok?id=${session.id}`);
  t.equal(fake.getSession(session.id)?.customer_details?.email, "typed@example.com");
  t.equal(fake.events.length, 1, "events are recorded even without a webhook URL");
  t.equal(fake.deliveries.length, 0);

  const missing = await fetch(`${fake.url}/checkout/cs_test_nope`);
  t.equal(missing.status, 404);
  t.match(await missing.text(), "not found");
});

t.test("raw wire protocol: Basic auth, expand[] by hand, unknown URLs, Stripe-shaped errors", async (t) => {
  const fake = await startFakeStripe({ webhookSecret: "whsec_x" });
  t.teardown(() => fake.close());
  const basic = `Basic ${Buffer.from(`${fake.secretKey}:`).toString("base64")}`;
  const form =
    "mode=payment&line_items[0][quantity]=1&line_items[0][price_data][currency]=eur" +
    "&line_items[0][price_data][unit_amount]=6000&line_items[0][price_data][product_data][name]=Session" +
    "&success_url=https%3A%2F%2Fshop.example%2Fok&expand[]=line_items";
  const created = await fetch(`${fake.url}/v1/checkout/sessions`, {
    method: "POST",
    headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  t.equal(created.status, 200);
  t.match(created.headers.get("request-id"), /^req_/);
  const session = (await created.json()) as { id: string; line_items: { data: { amount_total: number }[] } };
  t.equal(session.line_items.data[0]?.amount_total, 6000, "expand[]=line_items");

  const unknown = await fetch(`${fake.url}/v1/customers`, { headers: { authorization: `Bearer ${fake.secretKey}` } });
  t.equal(unknown.status, 404);
  const body = (await unknown.json()) as { error: { type: string; message: string } };
  t.equal(body.error.type, "invalid_request_error");
  t.match(body.error.message, "Unrecognized request URL (GET: /v1/customers)");

  const badExpand = await fetch(`${fake.url}/v1/checkout/sessions/${session.id}?expand[]=currency`, {
    headers: { authorization: `Bearer ${fake.secretKey}` },
  });
  t.equal(badExpand.status, 400);
  t.match(((await badExpand.json()) as { error: { message: string } }).error.message, "cannot be expanded");
});
