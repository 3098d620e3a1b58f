// The partner API's payout routes: onboarding links (allowlisted URLs, refused in
// single-merchant mode), the fee override and promotion codes, the payouts object on the
// builder view, and input refused with a 4xx naming the field.
import t from "tap";
import { issuePartnerKey } from "../src/domain/partner-keys.js";
import { buildTestApp, waitFor } from "./helpers/app.js";

const h = await buildTestApp({ env: { PAYOUTS_MODE: "connect", PLATFORM_FEE_PERCENT_BPS: "1000" } });
t.teardown(h.close);
const RETURN = "https://partner.example/payouts";
const { key } = await issuePartnerKey(h.db.prisma, {
  name: "payouts",
  scopes: ["builders:read", "builders:write"],
  returnUrlAllowlist: [RETURN],
});
const { key: readOnly } = await issuePartnerKey(h.db.prisma, { name: "reader", scopes: ["builders:read"] });
const auth = (k = key) => ({ authorization: `Bearer ${k}` });
const call = (method: "GET" | "POST" | "PATCH", url: string, payload?: Record<string, unknown>, k = key) =>
  h.app.inject({ method, url, headers: auth(k), ...(payload !== undefined ? { payload } : {}) });

t.test("the builder view carries the payouts object and the bookability it implies", async (t) => {
  const res = await call("GET", "/v1/partner/builders/liam");
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    slug: "liam",
    state: "unavailable",
    reason: /has not set up payouts yet/,
    payouts: {
      mode: "connect",
      status: "not_started",
      reason: null,
      accountId: null,
      payoutFailed: null,
      platformFee: { percentBps: 1000, fixedAmount: 0, source: "default" },
    },
  });
  const list = (await call("GET", "/v1/partner/builders")).json() as { data: { slug: string; payouts: unknown }[] };
  t.ok(
    list.data.every((b) => b.payouts),
    "every listed builder has one",
  );
});

t.test("the fee override: set, shown, removed; bad input named by field", async (t) => {
  const set = await call("PATCH", "/v1/partner/builders/liam/payouts", {
    platformFee: { percentBps: 500, fixedAmount: 25 },
  });
  t.equal(set.statusCode, 200);
  t.match(set.json(), { platformFee: { percentBps: 500, fixedAmount: 25, source: "builder" }, status: "not_started" });
  t.match((await call("GET", "/v1/partner/builders/liam/payouts")).json(), { platformFee: { source: "builder" } });
  const zero = await call("PATCH", "/v1/partner/builders/liam/payouts", {
    platformFee: { percentBps: 0, fixedAmount: 0 },
  });
  t.match(zero.json(), { platformFee: { percentBps: 0, fixedAmount: 0, source: "builder" } }, "a zero-fee builder");
  const cleared = await call("PATCH", "/v1/partner/builders/liam/payouts", { platformFee: null });
  t.match(cleared.json(), { platformFee: { percentBps: 1000, fixedAmount: 0, source: "default" } });

  for (const [body, field] of [
    [{ platformFee: { percentBps: 10_001, fixedAmount: 0 } }, "platformFee.percentBps"],
    [{ platformFee: { percentBps: 2.5, fixedAmount: 0 } }, "platformFee.percentBps"],
    [{ platformFee: { percentBps: 100, fixedAmount: -1 } }, "platformFee.fixedAmount"],
    [{ platformFee: { percentBps: 100 } }, "platformFee.fixedAmount"],
    [{ platformFee: { percentBps: 100, fixedAmount: 0 }, extra: 1 }, "extra"],
    [{}, "platformFee"],
  ] as const) {
    const res = await call("PATCH", "/v1/partner/builders/liam/payouts", body);
    t.equal(res.statusCode, 400, JSON.stringify(body));
    t.match(res.json(), { error: "validation_error", field }, `names ${field}`);
  }
  const missing = await call("PATCH", "/v1/partner/builders/nobody/payouts", { platformFee: null });
  t.equal(missing.statusCode, 404);
  const forbidden = await call("PATCH", "/v1/partner/builders/liam/payouts", { platformFee: null }, readOnly);
  t.equal(forbidden.statusCode, 403, "builders:write is required");
});

t.test("promotion codes per builder", async (t) => {
  const on = await call("PATCH", "/v1/partner/builders/liam/checkout-options", { allowPromotionCodes: true });
  t.same(on.json(), { allowPromotionCodes: true });
  const bad = await call("PATCH", "/v1/partner/builders/liam/checkout-options", { allowPromotionCodes: "yes" });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { field: "allowPromotionCodes" });
  await call("PATCH", "/v1/partner/builders/liam/checkout-options", { allowPromotionCodes: false });
});

t.test("onboarding: the URLs must be allowlisted, the country well-formed", async (t) => {
  for (const [body, field] of [
    [{}, "returnUrl"],
    [{ returnUrl: "not a url" }, "returnUrl"],
    [{ returnUrl: "https://elsewhere.example/payouts" }, "returnUrl"],
    [{ returnUrl: RETURN, refreshUrl: "https://elsewhere.example/refresh" }, "refreshUrl"],
    [{ returnUrl: RETURN, country: "usa" }, "country"],
    [{ returnUrl: RETURN, surprise: true }, "surprise"],
  ] as const) {
    const res = await call("POST", "/v1/partner/builders/liam/payouts/connect", body);
    t.equal(res.statusCode, 400, JSON.stringify(body));
    t.match(res.json(), { field }, `names ${field}`);
  }
  const missing = await call("POST", "/v1/partner/builders/nobody/payouts/connect", { returnUrl: RETURN });
  t.equal(missing.statusCode, 404);
});

t.test("onboarding in single-merchant mode is refused: there are no payout accounts", async (t) => {
  const mode = h.config.payouts.mode;
  h.config.payouts.mode = "single-merchant";
  t.teardown(() => {
    h.config.payouts.mode = mode;
  });
  const res = await call("POST", "/v1/partner/builders/liam/payouts/connect", { returnUrl: RETURN });
  t.equal(res.statusCode, 409);
  t.match(res.json(), { error: "payouts_not_connect", message: /PAYOUTS_MODE is single-merchant/ });
  t.match((await call("GET", "/v1/partner/builders/liam")).json(), {
    state: "bookable",
    payouts: { mode: "single-merchant" },
  });
});

t.test("the refresh route refuses a token it did not sign", async (t) => {
  const res = await h.app.inject({ url: "/v1/payouts/onboarding/refresh?token=forged.token" });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { error: "onboarding_token_invalid", field: "token" });
  const none = await h.app.inject({ url: "/v1/payouts/onboarding/refresh" });
  t.equal(none.statusCode, 400);
  t.match(none.json(), { field: "token" });
});

t.test("onboarding: concurrent calls make one account; a disconnected builder gets a new one", async (t) => {
  const calls = await Promise.all(
    Array.from({ length: 3 }, () =>
      call("POST", "/v1/partner/builders/ada-fernandez/payouts/connect", { returnUrl: RETURN, country: "US" }),
    ),
  );
  t.same(
    calls.map((c) => c.statusCode),
    [200, 200, 200],
    calls.map((c) => c.body).join("\n"),
  );
  const ids = new Set(calls.map((c) => (c.json() as { payouts: { accountId: string } }).payouts.accountId));
  t.equal(ids.size, 1, "one account");
  const [first] = [...ids];
  const ada = await h.db.prisma.builder.findUniqueOrThrow({ where: { slug: "ada-fernandez" } });
  t.equal(h.stripe.accounts.filter((a) => a.metadata?.builder_id === ada.id).length, 1, "Stripe has one for her");
  t.equal(h.stripe.getAccount(first!)?.country, "US");

  // The refresh URL of a link made for the first account.
  const link = calls[0]!.json() as { url: string };
  await fetch(link.url, { redirect: "manual" });
  const refresh = new URL((await fetch(link.url, { redirect: "manual" })).headers.get("location")!);

  await h.stripe.deauthorize(first!);
  await waitFor(
    async () => (await call("GET", "/v1/partner/builders/ada-fernandez/payouts")).json().status === "disconnected",
    5000,
    "disconnected",
  );
  const again = await call("POST", "/v1/partner/builders/ada-fernandez/payouts/connect", { returnUrl: RETURN });
  t.equal(again.statusCode, 200, again.body);
  const second = (again.json() as { payouts: { accountId: string; status: string } }).payouts;
  t.not(second.accountId, first, "a new account");
  t.equal(second.status, "onboarding");
  const gone = await h.app.inject({ url: `${refresh.pathname}${refresh.search}` });
  t.equal(gone.statusCode, 410, "the old account's refresh link no longer works");
  t.match(gone.json(), { error: "onboarding_link_gone" });
});
