// Conformance of the sandbox's fake Stripe for Connect: connected accounts, Account Links and the
// hosted onboarding page, destination charges through Checkout, refunds that reverse the transfer
// and return the application fee, balances per account, and Connect events on their own endpoint.
// Exercised through the real `stripe` package and the hosted pages as a browser uses them.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type FakeStripe, sandboxSecrets, startFakeStripe, startSandbox } from "@baw/sandbox";
import Stripe from "stripe";
import t from "tap";
import { createStripeClient } from "../src/providers/stripe.js";
import { checkStripeBalances } from "./helpers/ledger.js";

const WEBHOOK_SECRET = "whsec_test_platform";
const CONNECT_SECRET = "whsec_test_connect";
const FIXTURES = new URL("fixtures/stripe/", import.meta.url);

function fixtureKeys(name: string): string[] {
  const obj = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as Record<string, unknown>;
  return Object.keys(obj).sort();
}
const keysOf = (obj: object) => Object.keys(obj).sort();
const chargeKeys = () => fixtureKeys("charge").filter((k) => k !== "refunds");

interface Delivered {
  path: string;
  event: Stripe.Event;
}

/** One receiver for both endpoints; it verifies each delivery with that endpoint's secret, as the service must. */
async function startReceiver() {
  const received: Delivered[] = [];
  const verifier = new Stripe("sk_test_unused");
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "";
      const secret = path.endsWith("/connect") ? CONNECT_SECRET : WEBHOOK_SECRET;
      try {
        const event = verifier.webhooks.constructEvent(raw, String(req.headers["stripe-signature"]), secret);
        received.push({ path, event });
        res.writeHead(200).end("{}");
      } catch {
        res.writeHead(400).end("bad signature");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function setup(t: { teardown: (fn: () => unknown) => void }) {
  const receiver = await startReceiver();
  const fake = await startFakeStripe({
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: `${receiver.base}/webhooks/stripe`,
    connectWebhookSecret: CONNECT_SECRET,
    connectWebhookUrl: `${receiver.base}/webhooks/stripe/connect`,
    deliveryRetryDelaysMs: [20],
  });
  const stripe = createStripeClient({ secretKey: fake.secretKey, apiBase: fake.url, maxNetworkRetries: 0 });
  t.teardown(async () => {
    await fake.close();
    await receiver.close();
  });
  return { fake, stripe, receiver };
}

const expressParams = {
  type: "express",
  country: "US",
  email: "builder@example.com",
  capabilities: { transfers: { requested: true }, card_payments: { requested: true } },
} satisfies Stripe.AccountCreateParams;

async function enabledAccount(fake: FakeStripe, stripe: Stripe): Promise<Stripe.Account> {
  const account = await stripe.accounts.create(expressParams);
  await fake.onboard(account.id, "complete");
  return stripe.accounts.retrieve(account.id);
}

function destinationSession(destination: string, amount: number, fee: number | null, bookingId = "bk_1") {
  return {
    mode: "payment",
    line_items: [
      { quantity: 1, price_data: { currency: "usd", unit_amount: amount, product_data: { name: "Session" } } },
    ],
    metadata: { booking_id: bookingId },
    payment_intent_data: {
      metadata: { booking_id: bookingId },
      transfer_data: { destination },
      ...(fee === null ? {} : { application_fee_amount: fee }),
    },
    customer_email: "visitor@example.com",
    success_url: "https://shop.example/done?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "https://shop.example/cancelled",
  } satisfies Stripe.Checkout.SessionCreateParams;
}

async function apiError(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeError) return err;
    throw err;
  }
  throw new Error("expected a Stripe error");
}

t.test("accounts: express and controller accounts, Stripe's account shape, retrieve and delete", async (t) => {
  const { stripe } = await setup(t);
  const express = await stripe.accounts.create(expressParams);
  t.match(express.id, /^acct_1/);
  t.same(keysOf(express), fixtureKeys("account"), "same top-level keys as Stripe's example account");
  t.equal(express.type, "express");
  t.same(express.controller, {
    fees: { payer: "application_express" },
    is_controller: true,
    losses: { payments: "application" },
    requirement_collection: "stripe",
    stripe_dashboard: { type: "express" },
    type: "application",
  });
  t.equal(express.charges_enabled, false);
  t.equal(express.payouts_enabled, false);
  t.equal(express.details_submitted, false);
  t.same(express.capabilities, { card_payments: "inactive", transfers: "inactive" });
  t.equal(express.requirements?.disabled_reason, "requirements.past_due");
  t.ok(express.requirements?.currently_due?.includes("external_account"));

  const controlled = await stripe.accounts.create({
    controller: {
      fees: { payer: "application" },
      losses: { payments: "application" },
      stripe_dashboard: { type: "express" },
    },
    capabilities: { transfers: { requested: true } },
  });
  t.equal(controlled.type, "express", "controller properties of an Express account report type express");
  t.same(controlled.capabilities, { transfers: "inactive" });

  const again = await stripe.accounts.retrieve(express.id);
  t.same(again, express, "retrieve answers the same account");
  const deleted = await stripe.accounts.del(controlled.id);
  t.same(deleted, { id: controlled.id, object: "account", deleted: true });
  const gone = await apiError(stripe.accounts.retrieve(controlled.id));
  t.equal(gone.statusCode, 403);
  t.equal(gone.code, "account_invalid");
  t.match(gone.message, /does not have access to account/);
});

t.test("accounts: parameter errors name the param", async (t) => {
  const { stripe } = await setup(t);
  const both = await apiError(
    stripe.accounts.create({ type: "express", controller: { stripe_dashboard: { type: "express" } } }),
  );
  t.equal(both.param, "controller");
  const noTransfers = await apiError(stripe.accounts.create({ type: "express" }));
  t.equal(noTransfers.param, "capabilities");
  const country = await apiError(stripe.accounts.create({ ...expressParams, country: "XX" }));
  t.equal(country.param, "country");
  t.match(country.message, /Country 'XX' is unknown/);
  const currency = await apiError(stripe.accounts.create({ ...expressParams, default_currency: "dollars" }));
  t.equal(currency.param, "default_currency");
  const site = await apiError(stripe.accounts.create({ ...expressParams, business_profile: { url: "not a url" } }));
  t.equal(site.param, "business_profile[url]");
  const unknown = await apiError(
    stripe.accounts.create({ ...expressParams, colour: "blue" } as Stripe.AccountCreateParams),
  );
  t.equal(unknown.param, "colour");
  const badController = await apiError(
    stripe.accounts.create({
      controller: { requirement_collection: "application", stripe_dashboard: { type: "express" } },
      capabilities: { transfers: { requested: true } },
    }),
  );
  t.equal(badController.param, "controller[requirement_collection]");
});

t.test("account links: Stripe's shape, single use, expiring, and the three onboarding outcomes", async (t) => {
  const { fake, stripe, receiver } = await setup(t);
  const account = await stripe.accounts.create(expressParams);
  const linkParams = {
    account: account.id,
    type: "account_onboarding",
    refresh_url: "https://shop.example/payouts/refresh",
    return_url: "https://shop.example/payouts/return",
  } satisfies Stripe.AccountLinkCreateParams;
  const link = await stripe.accountLinks.create(linkParams);
  t.same(keysOf(link), fixtureKeys("account_link"), "same keys as Stripe's example account link");
  t.ok(link.url.startsWith(`${fake.url}/setup/e/${account.id}/`), "the link is on the fake's own origin");
  t.equal(link.expires_at - link.created, 300, "links expire after five minutes");

  const page = await fetch(link.url, { redirect: "manual" });
  t.equal(page.status, 200);
  const html = await page.text();
  t.match(html, /id="complete"/);
  t.match(html, /id="incomplete"/);
  t.match(html, /id="restricted"/);
  const reload = await fetch(link.url, { redirect: "manual" });
  t.equal(reload.status, 303, "a visited link is used up");
  t.equal(reload.headers.get("location"), linkParams.refresh_url, "and sends the browser to refresh_url");

  const submit = (url: string, outcome: string) =>
    fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ outcome }),
    });
  const left = await submit(link.url, "incomplete");
  t.equal(left.headers.get("location"), linkParams.return_url, "leaving returns to return_url");
  const incomplete = await stripe.accounts.retrieve(account.id);
  t.equal(incomplete.details_submitted, false);
  t.equal(incomplete.requirements?.disabled_reason, "requirements.past_due");
  t.ok((incomplete.requirements?.currently_due?.length ?? 0) > 0, "requirements still due");
  const twice = await submit(link.url, "complete");
  t.equal(twice.headers.get("location"), linkParams.refresh_url, "a link is submitted only once");

  const second = await stripe.accountLinks.create(linkParams);
  await fetch(second.url);
  await submit(second.url, "restricted");
  const restricted = await stripe.accounts.retrieve(account.id);
  t.equal(restricted.details_submitted, true);
  t.equal(restricted.requirements?.disabled_reason, "requirements.past_due");
  t.equal(restricted.payouts_enabled, false);
  t.equal(restricted.capabilities?.transfers, "inactive");

  const third = await stripe.accountLinks.create(linkParams);
  await fetch(third.url);
  await submit(third.url, "complete");
  const enabled = await stripe.accounts.retrieve(account.id);
  t.equal(enabled.charges_enabled, true);
  t.equal(enabled.payouts_enabled, true);
  t.equal(enabled.details_submitted, true);
  t.same(enabled.capabilities, { card_payments: "active", transfers: "active" });
  t.same(enabled.requirements?.currently_due, []);
  t.equal(enabled.requirements?.disabled_reason, null);

  await fake.deliveriesSettled();
  const updates = receiver.received.filter((r) => r.event.type === "account.updated");
  t.equal(updates.length, 3, "each outcome sent account.updated");
  for (const u of updates) {
    t.equal(u.path, "/webhooks/stripe/connect", "to the Connect endpoint, signed with its secret");
    t.equal(u.event.account, account.id, "with the connected account on top");
    t.equal(u.event.livemode, false);
    t.equal(u.event.context, account.id, "and in context, as API versions since 2025-04-30 send");
    t.same(keysOf(u.event), [...fixtureKeys("event"), "account", "context"].sort());
  }
  t.equal(
    (updates[2]!.event.data.previous_attributes as { charges_enabled?: boolean }).charges_enabled,
    false,
    "previous_attributes tells what changed",
  );
  t.notOk(
    receiver.received.some((r) => r.path === "/webhooks/stripe"),
    "nothing about connected accounts reaches the platform endpoint",
  );
});

t.test("account links: expired links and errors", async (t) => {
  const { stripe } = await setup(t);
  const account = await stripe.accounts.create(expressParams);
  const missing = await apiError(
    stripe.accountLinks.create({
      account: "acct_1Missing000000000",
      type: "account_onboarding",
      refresh_url: "https://shop.example/r",
      return_url: "https://shop.example/x",
    }),
  );
  t.equal(missing.code, "resource_missing");
  t.equal(missing.param, "account");
  const noRefresh = await apiError(
    stripe.accountLinks.create({
      account: account.id,
      type: "account_onboarding",
      return_url: "https://shop.example/x",
    }),
  );
  t.equal(noRefresh.param, "refresh_url");
  const badType = await apiError(
    stripe.accountLinks.create({
      account: account.id,
      type: "account_update",
      refresh_url: "https://shop.example/r",
      return_url: "https://shop.example/x",
    }),
  );
  t.equal(badType.param, "type", "account_update links are for accounts the platform collects requirements for");
});

t.test("an expired account link redirects to refresh_url", async (t) => {
  const { fake, stripe } = await setup(t);
  const account = await stripe.accounts.create(expressParams);
  const link = await stripe.accountLinks.create({
    account: account.id,
    type: "account_onboarding",
    refresh_url: "https://shop.example/refresh",
    return_url: "https://shop.example/return",
  });
  const realNow = Date.now;
  Date.now = () => realNow() + 301_000;
  t.teardown(() => {
    Date.now = realNow;
  });
  const res = await fetch(link.url, { redirect: "manual" });
  Date.now = realNow;
  t.equal(res.status, 303);
  t.equal(res.headers.get("location"), "https://shop.example/refresh");
  const unknown = await fetch(`${fake.url}/setup/e/${account.id}/nosuchtoken`);
  t.equal(unknown.status, 404);
});

t.test("destination charge through Checkout: transfer, application fee and balances per account", async (t) => {
  const { fake, stripe, receiver } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const session = await stripe.checkout.sessions.create(destinationSession(account.id, 15_000, 1_500));
  const paid = await fake.pay(session.id);
  t.equal(paid.outcome, "paid");

  const pi = await stripe.paymentIntents.retrieve(paid.session["payment_intent"] as string);
  t.equal(pi.application_fee_amount, 1_500);
  t.same(pi.transfer_data, { destination: account.id });
  t.equal(pi.transfer_group, `group_${pi.id}`);
  const charge = await stripe.charges.retrieve(pi.latest_charge as string);
  t.same(keysOf(charge), [...chargeKeys(), "transfer"].sort(), "a destination charge adds `transfer`");
  t.same(charge.transfer_data, { amount: null, destination: account.id });
  t.match(charge.application_fee, /^fee_/);
  t.equal(charge.application_fee_amount, 1_500);

  const transfer = await stripe.transfers.retrieve(charge.transfer as string);
  t.same(keysOf(transfer), fixtureKeys("transfer"), "same keys as Stripe's example transfer");
  t.equal(transfer.amount, 15_000, "the whole charge is transferred");
  t.equal(transfer.destination, account.id);
  t.equal(transfer.source_transaction, charge.id);
  const fee = await stripe.applicationFees.retrieve(charge.application_fee as string);
  t.same(keysOf(fee), fixtureKeys("application_fee"), "same keys as Stripe's example application fee");
  t.equal(fee.amount, 1_500);
  t.equal(fee.account, account.id);
  t.equal(fee.originating_transaction, charge.id);
  const fees = await stripe.applicationFees.list({ limit: 10 });
  t.same(
    fees.data.map((f) => f.id),
    [fee.id],
  );

  const platform = await stripe.balance.retrieve();
  t.same(keysOf(platform), fixtureKeys("balance"), "same keys as Stripe's example balance");
  t.same(platform.available, [{ amount: 1_500, currency: "usd", source_types: { card: 1_500 } }]);
  const builder = await stripe.balance.retrieve({}, { stripeAccount: account.id });
  t.same(builder.available, [{ amount: 13_500, currency: "usd", source_types: { card: 13_500 } }]);
  const ledger = fake.balances();
  t.same(ledger.platform.available, { usd: 1_500 });
  t.same(ledger.accounts[account.id]?.available, { usd: 13_500 });
  t.same(ledger.applicationFees, { collected: { usd: 1_500 }, refunded: {} });

  await fake.deliveriesSettled();
  const completed = receiver.received.find((r) => r.event.type === "checkout.session.completed");
  t.equal(completed?.path, "/webhooks/stripe", "the platform's own events stay on the platform endpoint");
  t.equal(completed?.event.account, undefined);
  t.ok(
    fake.events.some((e) => e.type === "transfer.created") &&
      fake.events.some((e) => e.type === "application_fee.created"),
    "transfer.created and application_fee.created are raised",
  );
  t.notOk(
    receiver.received.some((r) => r.event.type === "transfer.created"),
    "but not delivered: the endpoints are not enabled for them",
  );
});

t.test("refunds: reverse_transfer and refund_application_fee in proportion, then in full", async (t) => {
  const { fake, stripe } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const session = await stripe.checkout.sessions.create(destinationSession(account.id, 15_000, 1_500));
  await fake.pay(session.id);
  const pi = (await stripe.checkout.sessions.retrieve(session.id)).payment_intent;
  const partial = await stripe.refunds.create({
    payment_intent: pi as string,
    amount: 5_000,
    reverse_transfer: true,
    refund_application_fee: true,
  });
  t.match(partial.transfer_reversal, /^trr_/);
  const transfer = fake.transfers[0]!;
  t.equal(transfer.amount_reversed, 5_000, "a third of the refund takes back a third of the transfer");
  t.same(keysOf(transfer.reversals.data[0]!), fixtureKeys("transfer_reversal"));
  t.equal(transfer.reversals.data[0]!.source_refund, partial.id);
  const fee = fake.applicationFees[0]!;
  t.equal(fee.amount_refunded, 500, "and a third of the fee");
  t.same(keysOf(fee.refunds.data[0]!), fixtureKeys("fee_refund"));
  t.equal(fee.refunded, false);
  let ledger = fake.balances();
  t.same(ledger.platform.available, { usd: 1_000 });
  t.same(ledger.accounts[account.id]?.available, { usd: 9_000 });

  await stripe.refunds.create({ payment_intent: pi as string, reverse_transfer: true, refund_application_fee: true });
  ledger = fake.balances();
  t.same(ledger.platform.available, { usd: 0 }, "a full refund brings the platform back to zero");
  t.same(ledger.accounts[account.id]?.available, { usd: 0 }, "and the builder");
  t.same(ledger.platform.refunded, { usd: 15_000 }, "the customer got everything back");
  t.equal(fake.transfers[0]!.reversed, true);
  t.equal(fake.applicationFees[0]!.refunded, true);
  t.same(ledger.applicationFees, { collected: { usd: 1_500 }, refunded: { usd: 1_500 } });
});

t.test("refunds: reversing the transfer while keeping the fee leaves the fee with the platform", async (t) => {
  const { fake, stripe } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const session = await stripe.checkout.sessions.create(destinationSession(account.id, 10_000, 1_000));
  await fake.pay(session.id);
  const pi = (await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string;
  await stripe.refunds.create({ payment_intent: pi, reverse_transfer: true });
  const ledger = fake.balances();
  t.same(ledger.platform.available, { usd: 1_000 }, "the platform keeps its fee");
  t.same(ledger.accounts[account.id]?.available, { usd: -1_000 }, "which the builder's balance owes");

  const plain = await stripe.checkout.sessions.create({
    ...destinationSession(account.id, 5_000, null),
    payment_intent_data: { metadata: {} },
  });
  await fake.pay(plain.id);
  const plainPi = (await stripe.checkout.sessions.retrieve(plain.id)).payment_intent as string;
  const err = await apiError(stripe.refunds.create({ payment_intent: plainPi, reverse_transfer: true }));
  t.equal(err.param, "reverse_transfer", "no transfer to reverse on a charge without a destination");
});

t.test("destination charges: Stripe's validation errors", async (t) => {
  const { fake, stripe } = await setup(t);
  const pending = await stripe.accounts.create(expressParams);
  const enabled = await enabledAccount(fake, stripe);

  const noSuch = await apiError(
    stripe.checkout.sessions.create(destinationSession("acct_1Nope0000000000", 5_000, 100)),
  );
  t.equal(noSuch.code, "resource_missing");
  t.equal(noSuch.param, "payment_intent_data[transfer_data][destination]");
  t.match(noSuch.message, /No such destination: 'acct_1Nope0000000000'/);

  const noCapability = await apiError(stripe.checkout.sessions.create(destinationSession(pending.id, 5_000, 100)));
  t.equal(noCapability.code, "insufficient_capabilities_for_transfer");
  t.match(noCapability.message, /needs to have at least one of the following capabilities enabled: transfers/);

  const tooBig = await apiError(stripe.checkout.sessions.create(destinationSession(enabled.id, 5_000, 5_001)));
  t.equal(tooBig.param, "payment_intent_data[application_fee_amount]");

  const feeWithoutDestination = await apiError(
    stripe.checkout.sessions.create({
      ...destinationSession(enabled.id, 5_000, null),
      payment_intent_data: { application_fee_amount: 100 },
    }),
  );
  t.equal(feeWithoutDestination.param, "payment_intent_data[application_fee_amount]");
  t.match(feeWithoutDestination.message, /Can only apply an application_fee_amount/);

  const otherObo = await apiError(
    stripe.checkout.sessions.create({
      ...destinationSession(enabled.id, 5_000, 100),
      payment_intent_data: { transfer_data: { destination: enabled.id }, on_behalf_of: pending.id },
    }),
  );
  t.equal(otherObo.param, "payment_intent_data[on_behalf_of]");

  const both = await apiError(
    stripe.checkout.sessions.create({
      ...destinationSession(enabled.id, 5_000, 100),
      payment_intent_data: { transfer_data: { destination: enabled.id, amount: 4_000 }, application_fee_amount: 100 },
    }),
  );
  t.equal(both.param, "payment_intent_data[application_fee_amount]", "a fee or a transfer amount, not both");

  const abroad = await stripe.accounts.create({ ...expressParams, country: "GB" });
  await fake.onboard(abroad.id, "complete");
  const crossBorder = await apiError(stripe.checkout.sessions.create(destinationSession(abroad.id, 5_000, 100)));
  t.equal(crossBorder.param, "payment_intent_data[transfer_data][destination]");
  t.match(crossBorder.message, /outside the platform's region. You may use the `on_behalf_of` parameter/);
  const settled = await stripe.checkout.sessions.create({
    ...destinationSession(abroad.id, 5_000, 100),
    payment_intent_data: {
      transfer_data: { destination: abroad.id },
      application_fee_amount: 100,
      on_behalf_of: abroad.id,
    },
  });
  t.equal(settled.status, "open", "with on_behalf_of the charge settles in the account's country");

  const zero = await stripe.checkout.sessions.create(destinationSession(enabled.id, 5_000, 0));
  await fake.pay(zero.id);
  t.same(fake.balances().accounts[enabled.id]?.available, { usd: 5_000 }, "a zero fee takes nothing");
  t.equal(fake.applicationFees.length, 0, "and makes no application fee");
  const zeroPi = (await stripe.checkout.sessions.retrieve(zero.id)).payment_intent as string;
  await stripe.refunds.create({ payment_intent: zeroPi, reverse_transfer: true, refund_application_fee: true });
  t.same(
    fake.balances().accounts[enabled.id]?.available,
    { usd: 0 },
    "refund_application_fee without a fee is ignored",
  );

  const open = await stripe.checkout.sessions.create(destinationSession(enabled.id, 5_000, 500));
  await fake.restrictAccount(enabled.id, "requirements.past_due");
  await t.rejects(fake.pay(open.id), /capabilities enabled: transfers/, "a restricted destination cannot be paid");
});

t.test("test controls: restrict, enable, deauthorize and failed payouts send Connect events", async (t) => {
  const { fake, stripe, receiver } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const restricted = await fake.restrictAccount(account.id, "rejected.fraud");
  t.equal(restricted.requirements?.disabled_reason, "rejected.fraud");
  t.equal(restricted.capabilities?.transfers, "inactive");
  t.equal(restricted.payouts_enabled, false);
  const enabled = await fake.enableAccount(account.id);
  t.equal(enabled.capabilities?.transfers, "active");

  const payout = await fake.failPayout(account.id, { amount: 2_000 });
  t.same(keysOf(payout), fixtureKeys("payout"), "same keys as Stripe's example payout");
  t.equal(payout.status, "failed");
  t.equal(payout.failure_code, "account_closed");
  const fetched = await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: account.id });
  t.equal(fetched.id, payout.id);

  const deauth = await fake.deauthorize(account.id);
  t.equal(deauth.type, "account.application.deauthorized");
  t.equal(deauth.account, account.id);
  const refused = await apiError(stripe.balance.retrieve({}, { stripeAccount: account.id }));
  t.equal(refused.statusCode, 403);
  t.equal(refused.code, "account_invalid");

  const types = receiver.received.filter((r) => r.path === "/webhooks/stripe/connect").map((r) => r.event.type);
  t.same(types, [
    "account.updated",
    "account.updated",
    "account.updated",
    "payout.failed",
    "account.application.deauthorized",
  ]);
  for (const r of receiver.received) t.equal(r.event.account, account.id);
  const endpoints = await stripe.webhookEndpoints.list();
  t.same(
    endpoints.data.map((e) => e.enabled_events),
    [
      [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
        "charge.refunded",
      ],
      ["account.updated", "account.application.deauthorized", "payout.failed"],
    ],
    "the platform endpoint and the Connect endpoint",
  );
});

t.test("the Stripe-Account header: only where Connect allows it", async (t) => {
  const { fake, stripe } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const me = await stripe.accounts.retrieve(undefined, { stripeAccount: account.id });
  t.equal(me.id, account.id, "GET /v1/account as the connected account");
  const unknown = await apiError(stripe.balance.retrieve({}, { stripeAccount: "acct_1Unknown00000000" }));
  t.equal(unknown.code, "account_invalid");
  const unsupported = await apiError(stripe.refunds.list({}, { stripeAccount: account.id }));
  t.equal(unsupported.statusCode, 404, "an endpoint the fake does not have is still unrecognized");
  const session = await apiError(
    stripe.checkout.sessions.create(destinationSession(account.id, 5_000, 100), { stripeAccount: account.id }),
  );
  t.equal(session.statusCode, 400, "direct charges are not modelled");
});

t.test("the teardown ledger check adds up the fake's balances per account", async (t) => {
  const { fake, stripe } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const session = await stripe.checkout.sessions.create(destinationSession(account.id, 12_000, 1_200));
  await fake.pay(session.id);
  const pi = (await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string;
  await stripe.refunds.create({
    payment_intent: pi,
    amount: 3_333,
    reverse_transfer: true,
    refund_application_fee: true,
  });
  t.same(checkStripeBalances(fake), [], "records and balances agree after a destination charge and a partial refund");
  const tampered = {
    charges: fake.charges,
    transfers: fake.transfers,
    applicationFees: fake.applicationFees,
    balances: () => {
      const b = fake.balances();
      b.accounts[account.id]!.available.usd! += 1;
      return b;
    },
  };
  t.match(checkStripeBalances(tampered), [new RegExp(`connected account ${account.id}: balance`)]);
});

t.test("login links open the sandbox's Express Dashboard once, with the builder's balance and payments", async (t) => {
  const { fake, stripe } = await setup(t);
  const fresh = await stripe.accounts.create(expressParams);
  const early = await apiError(stripe.accounts.createLoginLink(fresh.id));
  t.equal(early.param, "account", "not before onboarding is complete");
  const standard = await stripe.accounts.create({ type: "standard" });
  t.same(standard.capabilities, { card_payments: "inactive", transfers: "inactive" }, "Standard: both by default");
  await fake.onboard(standard.id, "complete");
  const full = await apiError(stripe.accounts.createLoginLink(standard.id));
  t.match(full.message, /Express Dashboard/, "only for Express Dashboard accounts");

  const account = await enabledAccount(fake, stripe);
  const session = await stripe.checkout.sessions.create(destinationSession(account.id, 15_000, 1_500));
  await fake.pay(session.id);
  const link = await stripe.accounts.createLoginLink(account.id);
  t.same(keysOf(link), fixtureKeys("login_link"), "same keys as Stripe's example login link");
  t.ok(link.url.startsWith(`${fake.url}/express/${account.id}/`));
  const page = await fetch(link.url);
  t.equal(page.status, 200);
  const html = await page.text();
  t.match(html, /data-currency="usd" data-amount="13500"/, "the balance is price minus fee");
  t.match(html, /\$150\.00/);
  t.match(html, /\$15\.00/);
  const again = await fetch(link.url);
  t.equal(again.status, 410, "a login link works once");
});

t.test("a bank debit to a connected account transfers only when it settles", async (t) => {
  const { fake, stripe } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const session = await stripe.checkout.sessions.create({
    ...destinationSession(account.id, 8_000, 800),
    payment_method_types: ["card", "us_bank_account"],
  });
  await fake.pay(session.id, { async: true, settleAfterMs: -1 });
  t.same(fake.balances().accounts[account.id]?.available, {}, "nothing moves while the debit is processing");
  t.equal(fake.transfers.length, 0);
  await fake.settle(session.id);
  t.same(fake.balances().accounts[account.id]?.available, { usd: 7_200 });
  t.same(fake.balances().platform.available, { usd: 800 });

  const failing = await stripe.checkout.sessions.create({
    ...destinationSession(account.id, 8_000, 800, "bk_2"),
    payment_method_types: ["us_bank_account"],
  });
  await fake.pay(failing.id, { async: true, settleAfterMs: -1 });
  await fake.settle(failing.id, { fail: true });
  t.equal(fake.transfers.length, 1, "a failed debit transfers nothing");
});

t.test(
  "startSandbox: the Connect endpoint's secret in serviceEnv, its events at /webhooks/stripe/connect",
  async (t) => {
    const sandbox = await startSandbox({ stripe: {}, calendly: false });
    t.teardown(() => sandbox.close());
    t.equal(sandbox.serviceEnv.STRIPE_CONNECT_WEBHOOK_SECRET, sandboxSecrets.stripeConnectWebhookSecret);
    t.equal(sandbox.stripe?.connectWebhookSecret, sandboxSecrets.stripeConnectWebhookSecret);
    t.not(
      sandboxSecrets.stripeConnectWebhookSecret,
      sandboxSecrets.stripeWebhookSecret,
      "each endpoint has its own secret",
    );
    sandbox.deliverTo("http://127.0.0.1:9/");
    t.equal(sandbox.stripe?.webhookUrl, "http://127.0.0.1:9/webhooks/stripe");
    t.equal(sandbox.stripe?.connectWebhookUrl, "http://127.0.0.1:9/webhooks/stripe/connect");
  },
);

t.test("transfer reversals and application fee refunds on their own endpoints", async (t) => {
  const { fake, stripe } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const session = await stripe.checkout.sessions.create(destinationSession(account.id, 10_000, 1_000));
  await fake.pay(session.id);
  const [transfer] = fake.transfers;
  const [fee] = fake.applicationFees;

  const reversal = await stripe.transfers.createReversal(transfer!.id, {
    amount: 2_000,
    metadata: { why: "goodwill" },
  });
  t.same(keysOf(reversal), fixtureKeys("transfer_reversal"));
  t.equal(reversal.source_refund, null, "not caused by a refund");
  t.same(reversal.metadata, { why: "goodwill" });
  const reversals = await stripe.transfers.listReversals(transfer!.id);
  t.same(
    reversals.data.map((r) => r.id),
    [reversal.id],
  );
  const tooMuch = await apiError(stripe.transfers.createReversal(transfer!.id, { amount: 9_000 }));
  t.equal(tooMuch.param, "amount");

  const feeRefund = await stripe.applicationFees.createRefund(fee!.id, { amount: 400 });
  t.same(keysOf(feeRefund), fixtureKeys("fee_refund"));
  t.equal(feeRefund.fee, fee!.id);
  const feeTooMuch = await apiError(stripe.applicationFees.createRefund(fee!.id, { amount: 601 }));
  t.equal(feeTooMuch.param, "amount");
  const rest = await stripe.applicationFees.createRefund(fee!.id);
  t.equal(rest.amount, 600, "without an amount, what is left");
  t.equal((await stripe.applicationFees.retrieve(fee!.id)).refunded, true);

  const ledger = fake.balances();
  t.same(ledger.accounts[account.id]?.available, { usd: 9_000 - 2_000 + 1_000 });
  t.same(ledger.platform.available, { usd: 1_000 + 2_000 - 1_000 });
  t.same(checkStripeBalances(fake), []);
  const missing = await apiError(stripe.transfers.retrieve("tr_1Missing"));
  t.equal(missing.statusCode, 404);
  t.equal(missing.code, "resource_missing");
});

t.test("accounts: update what the platform may change, and reject an account", async (t) => {
  const { fake, stripe, receiver } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const updated = await stripe.accounts.update(account.id, {
    business_profile: { name: "Ada's Workshop", url: "https://ada.example" },
    metadata: { builder_id: "b_1" },
  });
  t.equal(updated.business_profile?.name, "Ada's Workshop");
  t.same(updated.metadata, { builder_id: "b_1" });
  const unset = await stripe.accounts.update(account.id, { metadata: { builder_id: "" } });
  t.same(unset.metadata, {}, "an empty value unsets a key");
  const fixed = await apiError(stripe.accounts.update(account.id, { type: "custom" } as Stripe.AccountUpdateParams));
  t.equal(fixed.param, "type");

  const rejected = await stripe.accounts.reject(account.id, { reason: "fraud" });
  t.equal(rejected.requirements?.disabled_reason, "rejected.fraud");
  t.equal(rejected.capabilities?.transfers, "inactive");
  await fake.deliveriesSettled();
  const last = receiver.received.filter((r) => r.event.type === "account.updated").at(-1)!;
  t.equal(
    (last.event.data.object as Stripe.Account).requirements?.disabled_reason,
    "rejected.fraud",
    "account.updated tells the platform",
  );
});

t.test("the hosted checkout page says why a destination that lost transfers cannot be paid", async (t) => {
  const { fake, stripe } = await setup(t);
  const account = await enabledAccount(fake, stripe);
  const session = await stripe.checkout.sessions.create(destinationSession(account.id, 5_000, 500));
  await fake.restrictAccount(account.id);
  const res = await fetch(new URL(`/checkout/${session.id}/pay`, fake.url), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ outcome: "card" }),
  });
  t.equal(res.status, 409);
  t.match(await res.text(), /id="error"[^>]*>This payment cannot be completed: Your destination account needs/);
  t.equal(fake.getSession(session.id)?.status, "open", "the session stays open");
  t.same(fake.balances().platform.available, {}, "and no money moved");
});

t.test("followAccountLink does what a browser does with a link", async (t) => {
  const { fake, stripe, receiver } = await setup(t);
  const account = await stripe.accounts.create(expressParams);
  const params = {
    account: account.id,
    type: "account_onboarding",
    refresh_url: "https://shop.example/refresh",
    return_url: "https://shop.example/return",
  } satisfies Stripe.AccountLinkCreateParams;
  const link = await stripe.accountLinks.create(params);
  t.same(await fake.followAccountLink(link.url, "complete"), { redirectUrl: params.return_url, submitted: true });
  t.ok(
    receiver.received.some((r) => r.event.type === "account.updated"),
    "account.updated was delivered before it resolved",
  );
  t.equal(fake.getAccount(account.id)?.capabilities?.transfers, "active");
  t.same(await fake.followAccountLink(link.url), { redirectUrl: params.refresh_url, submitted: false }, "used up");
  await t.rejects(fake.followAccountLink("https://connect.stripe.com/setup/e/acct_1/abc"), /not an account link/);
});

t.test("accounts.create with an Idempotency-Key makes one account however often it is sent", async (t) => {
  const { fake, stripe } = await setup(t);
  const key = "connect_account_b_1_after_none";
  const [a, b] = await Promise.all([
    stripe.accounts.create(expressParams, { idempotencyKey: key }).catch((e: unknown) => e),
    stripe.accounts.create(expressParams, { idempotencyKey: key }).catch((e: unknown) => e),
  ]);
  const again = await stripe.accounts.create(expressParams, { idempotencyKey: key });
  const ids = [a, b].filter((r): r is Stripe.Account => (r as Stripe.Account).object === "account").map((r) => r.id);
  t.ok(ids.length >= 1, "at least one of two racing requests succeeds (the other may be told the key is in use)");
  for (const id of ids) t.equal(id, again.id, "every success names the same account");
  t.equal(fake.accounts.length, 1, "and only one account exists");
  const other = await apiError(
    stripe.accounts.create({ ...expressParams, email: "x@example.com" }, { idempotencyKey: key }),
  );
  t.equal(other.type, "StripeIdempotencyError", "the same key with other parameters is refused");
});
