// Refused webhook deliveries are limited per client address and stored only as a bounded sample;
// valid deliveries always get through. Signatures are refused when dated too far on either side.
import { randomBytes } from "node:crypto";
import t from "tap";
import { RejectedDeliveries } from "../src/domain/webhooks/rejected-deliveries.js";
import { signatureHeader } from "../src/providers/webhook-signature.js";
import { buildTestApp, testMetricsToken } from "./helpers/app.js";

const h = await buildTestApp({ env: { RATE_LIMIT_MAX: "5", RATE_LIMIT_WINDOW_SECONDS: "600" } });
t.teardown(h.close);
const secret = h.config.stripe.webhookSecret;
const now = () => Math.floor(Date.now() / 1000);

function stripeEvent(): string {
  return JSON.stringify({
    id: `evt_test_${randomBytes(12).toString("hex")}`,
    object: "event",
    api_version: "2025-10-29.clover",
    created: now(),
    data: { object: { id: "cus_1", object: "customer" } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "customer.created",
  });
}

const post = (remoteAddress: string, body: string, signature?: string, provider = "stripe") =>
  h.app.inject({
    method: "POST",
    url: `/webhooks/${provider}`,
    remoteAddress,
    headers: {
      "content-type": "application/json",
      ...(signature ? { [provider === "stripe" ? "stripe-signature" : "calendly-webhook-signature"]: signature } : {}),
    },
    payload: body,
  });
const rejectedRows = () => h.db.prisma.webhookDelivery.count({ where: { eventId: null } });
const metric = async (labels: string) => {
  const res = await h.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${testMetricsToken}` } });
  const line = res.body.split("\n").find((l) => l.startsWith(`baw_webhooks_total{${labels}}`));
  return line ? Number(line.split(" ").pop()) : 0;
};

t.test("an unsigned flood is limited per address and stored as a bounded sample", async (t) => {
  const before = await rejectedRows();
  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) statuses.push((await post("203.0.113.7", stripeEvent())).statusCode);
  t.same(statuses, [...Array(5).fill(400), ...Array(25).fill(429)], "five refusals, then 429 for this address");
  t.equal(await rejectedRows(), before + 5, "only the refusals before the limit are stored");
  t.equal(await metric('provider="stripe",type="unknown",result="rejected_limited"'), 25, "the rest are counted");

  // Many addresses: each may be refused a few times, but the stored sample stays at the window's cap.
  for (let i = 0; i < 20; i++) {
    const res = await post(`198.51.100.${i}`, stripeEvent(), signatureHeader("whsec_wrong", "{}"));
    t.equal(res.statusCode, 400, `address ${i}: refused for its signature`);
    t.match(res.json(), { received: false, error: "signature_invalid" });
  }
  t.equal(await rejectedRows(), before + 5, "no more rows in this window: the sample is full");
  t.equal(
    await metric('provider="stripe",type="unknown",result="rejected_not_stored"'),
    20,
    "but every one is counted",
  );

  // The other provider has a sample of its own.
  const calendly = await post("198.51.100.200", "{}", undefined, "calendly");
  t.equal(calendly.statusCode, 400);
  t.equal(await rejectedRows(), before + 6);
});

t.test("a valid delivery is never dropped, even from a limited address", async (t) => {
  for (let i = 0; i < 6; i++) await post("203.0.113.8", stripeEvent());
  t.equal((await post("203.0.113.8", stripeEvent())).statusCode, 429, "the address is limited");
  const body = stripeEvent();
  const valid = await post("203.0.113.8", body, signatureHeader(secret, body));
  t.equal(valid.statusCode, 200, "a correctly signed delivery is processed");
  t.match(valid.json(), { received: true });
  const id = JSON.parse(body).id as string;
  t.equal(await h.db.prisma.webhookDelivery.count({ where: { providerEventId: id } }), 1, "and logged");
});

t.test("rejected rows are pruned to the newest ones per provider", async (t) => {
  const rejections = new RejectedDeliveries({ perClient: 1000, storedPerWindow: 1000, windowMs: 0, rowsKept: 3 });
  for (let i = 0; i < 6; i++) {
    const outcome = await rejections.record(h.ctx, {
      provider: "STRIPE",
      signature: "MISSING",
      error: `signature missing ${i}`,
      clientAddress: `192.0.2.${i}`,
    });
    t.equal(outcome, "stored");
  }
  const rows = await h.db.prisma.webhookDelivery.findMany({
    where: { provider: "STRIPE", eventId: null },
    orderBy: { receivedAt: "desc" },
  });
  t.same(
    rows.map((r) => r.error),
    ["signature missing 5", "signature missing 4", "signature missing 3"],
    "the three newest",
  );
  t.ok(await h.db.prisma.webhookDelivery.count({ where: { eventId: { not: null } } }), "accepted deliveries are kept");
});

t.test("a Stripe signature dated outside the tolerance on either side is stale", async (t) => {
  for (const [what, offset, status] of [
    ["an hour in the future", 3600, 400],
    ["301 s in the future", 301, 400],
    ["301 s old", -301, 400],
    ["250 s in the future", 250, 200],
  ] as const) {
    const body = stripeEvent();
    const res = await post(`192.0.2.${100 + offset / 100}`, body, signatureHeader(secret, body, now() + offset));
    t.equal(res.statusCode, status, what);
    if (status === 400) t.match(res.json(), { error: "signature_invalid", message: "Stripe-Signature: stale" }, what);
  }
});
