// The partner API's payout routes: onboarding links (allowlisted URLs, refused in
// single-merchant mode), the fee override and promotion codes, the payouts object on the
// builder view, and input refused with a 4xx naming the field.
import t from "tap";
import { issuePartnerKey } from "../src/domain/partner-keys.js";
import { buildTestApp } from "./helpers/app.js";

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
