// Marketplace mode's Connect endpoint (/webhooks/stripe/connect): signed with its own secret,
// ingested exactly once in the same delivery log, routed by the event's `account`, checked for
// livemode; account.updated moves a builder's bookability within one delivery, and
// deauthorization and failed payouts flag the builder in /metrics.
import { randomBytes } from "node:crypto";
import t from "tap";
import { signatureHeader } from "../src/providers/webhook-signature.js";
import { buildTestApp, startAttempt, testMetricsToken } from "./helpers/app.js";

const h = await buildTestApp({ env: { PAYOUTS_MODE: "connect", PLATFORM_FEE_PERCENT_BPS: "1000" } });
t.teardown(h.close);
h.calendly.setWebhookUrl(undefined);
const secret = h.config.stripe.connectWebhookSecret;
const ACCOUNT = `acct_1${randomBytes(8).toString("hex")}`;
const liam = await h.db.prisma.builder.findUniqueOrThrow({ where: { slug: "liam" } });

const now = () => Math.floor(Date.now() / 1000);
let clock = now() - 1000;

function event(type: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  clock += 1;
  return {
    id: `evt_${randomBytes(12).toString("hex")}`,
    object: "event",
    api_version: "2025-10-29.clover",
    created: clock,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    account: ACCOUNT,
    data: { object },
    ...extra,
  };
}

const account = (transfers: "active" | "inactive" | "pending", disabledReason: string | null = null) => ({
  id: ACCOUNT,
  object: "account",
  capabilities: { transfers },
  charges_enabled: transfers === "active",
  payouts_enabled: transfers === "active",
  details_submitted: true,
  requirements: { disabled_reason: disabledReason, currently_due: disabledReason ? ["external_account"] : [] },
});

const post = (body: unknown, signWith = secret) => {
  const raw = JSON.stringify(body);
  return h.app.inject({
    method: "POST",
    url: "/webhooks/stripe/connect",
    headers: { "content-type": "application/json", "stripe-signature": signatureHeader(signWith, raw) },
    payload: raw,
  });
};

const bookingConfig = async () =>
  (await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: h.siteHeaders })).json() as {
    state: string;
    reason?: string;
  };

const metrics = async () =>
  (await h.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${testMetricsToken}` } })).body;

t.test("without a payout account a builder is not bookable in connect mode, and says why", async (t) => {
  t.match(await bookingConfig(), { state: "unavailable", reason: /Liam.*has not set up payouts yet/ });
  const res = await h.app.inject({
    method: "POST",
    url: "/v1/booking-attempts",
    headers: h.siteHeaders,
    payload: { builder: "liam" },
  });
  t.equal(res.statusCode, 409);
  t.match(res.json(), { error: "builder_unavailable", message: /payouts/ });
});

t.test("account.updated: restricted stops bookings within one delivery; re-enabled resumes them", async (t) => {
  await h.db.prisma.payoutAccount.create({
    data: { builderId: liam.id, stripeAccountId: ACCOUNT, status: "ENABLED" },
  });
  t.equal((await bookingConfig()).state, "bookable", "an enabled account");
  await startAttempt(h);

  const restricted = event("account.updated", account("inactive", "requirements.past_due"));
  const res = await post(restricted);
  t.equal(res.statusCode, 200);
  t.match(res.json(), { received: true, outcome: "payouts_restricted" });
  t.match(await bookingConfig(), {
    state: "unavailable",
    reason: /payout account is restricted by Stripe \(requirements\.past_due\)/,
  });

  // The same event again: acknowledged once, changes nothing.
  const again = await post(restricted);
  t.match(again.json(), { received: true, duplicate: true });
  const rows = await h.db.prisma.webhookDelivery.findMany({ where: { providerEventId: restricted.id } });
  t.same(
    rows.map((r) => [r.provider, r.duplicate]),
    [
      ["STRIPE_CONNECT", false],
      ["STRIPE_CONNECT", true],
    ],
    "both deliveries logged under the Connect endpoint, the second a duplicate",
  );
  t.equal(await h.db.prisma.webhookEvent.count({ where: { providerEventId: restricted.id } }), 1, "one event");

  // An older account.updated delivered late never overwrites the newer state.
  const older = event("account.updated", account("active"), { created: restricted.created - 100 });
  t.match((await post(older)).json(), { outcome: "stale_event" });
  t.equal((await bookingConfig()).state, "unavailable");

  const enabled = event("account.updated", account("active"));
  t.match((await post(enabled)).json(), { outcome: "payouts_enabled" });
  t.equal((await bookingConfig()).state, "bookable", "bookable again");
  t.match(await metrics(), /baw_payout_flags_total\{flag="restricted"\} 1/);
});

t.test("events the endpoint acknowledges and ignores: other mode, unknown account, no account", async (t) => {
  const live = event("account.updated", account("inactive", "rejected.fraud"), { livemode: true });
  t.match((await post(live)).json(), { received: true, outcome: "livemode_mismatch" });
  const stranger = event("account.updated", account("inactive", "rejected.fraud"), { account: "acct_1unknown" });
  t.match((await post(stranger)).json(), { received: true, outcome: "unknown_account" });
  const { account: _none, ...platform } = event("account.updated", account("inactive", "rejected.fraud"));
  t.match((await post(platform)).json(), { received: true, outcome: "not_a_connect_event" });
  const other = event("customer.created", { id: "cus_1", object: "customer" });
  t.match((await post(other)).json(), { received: true, outcome: "ignored" });
  t.equal((await bookingConfig()).state, "bookable", "nothing changed");
});

t.test("a delivery signed with the platform endpoint's secret is refused and logged", async (t) => {
  const res = await post(event("account.updated", account("inactive", "x")), h.config.stripe.webhookSecret);
  t.equal(res.statusCode, 400);
  t.match(res.json(), { received: false, error: "signature_invalid" });
  const row = await h.db.prisma.webhookDelivery.findFirst({
    where: { provider: "STRIPE_CONNECT", signature: "INVALID" },
  });
  t.ok(row, "the refusal is in the delivery log under the Connect endpoint");
  t.equal((await bookingConfig()).state, "bookable");
});

t.test("payout.failed flags the builder until a later payout is paid", async (t) => {
  const payout = { id: "po_1", object: "payout", amount: 13_500, currency: "usd", failure_code: "account_closed" };
  t.match((await post(event("payout.failed", { ...payout, status: "failed" }))).json(), {
    outcome: "payout_failure_flagged",
  });
  const flagged = await h.db.prisma.payoutAccount.findUniqueOrThrow({ where: { stripeAccountId: ACCOUNT } });
  t.equal(flagged.payoutFailureCode, "account_closed");
  t.equal((await bookingConfig()).state, "bookable", "a failed payout does not stop bookings");
  const text = await metrics();
  t.match(text, /baw_payout_flags_total\{flag="payout_failed"\} 1/);
  t.match(text, /baw_payout_accounts\{status="payout_failed"\} 1/);

  t.match((await post(event("payout.paid", { ...payout, id: "po_2", status: "paid", failure_code: null }))).json(), {
    outcome: "payout_failure_cleared",
  });
  t.match(await metrics(), /baw_payout_accounts\{status="payout_failed"\} 0/);
});

t.test("account.application.deauthorized disconnects the builder for good", async (t) => {
  const deauth = event("account.application.deauthorized", { id: "ca_1", object: "application", name: "baw" });
  t.match((await post(deauth)).json(), { outcome: "payouts_disconnected" });
  t.match(await bookingConfig(), { state: "unavailable", reason: /disconnected their payout account/ });
  // Later account updates cannot re-enable a disconnected account.
  t.match((await post(event("account.updated", account("active")))).json(), { outcome: "account_disconnected" });
  t.equal((await bookingConfig()).state, "unavailable");
  const text = await metrics();
  t.match(text, /baw_payout_flags_total\{flag="deauthorized"\} 1/);
  t.match(text, /baw_payout_accounts\{status="disconnected"\} 1/);
});
