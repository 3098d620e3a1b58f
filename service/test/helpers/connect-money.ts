// Marketplace mode end to end on the fake Stripe's Connect: a builder onboarded through the
// partner API, destination charges with the platform fee, and every refund path (policy,
// Dashboard, late payment, reschedule conflict) checked against the fake's per-account ledger:
// the platform's balance, the builder's balance and the fees, captured = refunded + kept.
import type Stripe from "stripe";
import type { Test } from "tap";
import { issuePartnerKey } from "../../src/domain/partner-keys.js";
import { signatureHeader } from "../../src/providers/webhook-signature.js";
import {
  apiCancellations,
  buildTestApp,
  confirmedBooking,
  type PendingBooking,
  pendingBooking,
  reportBooking,
  scheduleSlot,
  startAttempt,
  waitFor,
  waitForStatus,
} from "./app.js";
import { checkLedger, checkStripeBalances } from "./ledger.js";

/** The Connect money paths on one database (PGlite, or a fresh PostgreSQL database). */
export async function connectMoney(t: Test, database: "pglite" | "postgres"): Promise<void> {
  const PRICE = 15_000;
  const RETURN = "https://partner.example/payouts/done";
  const h = await buildTestApp({ database, env: { PAYOUTS_MODE: "connect", PLATFORM_FEE_PERCENT_BPS: "1000" } });
  t.teardown(h.close);
  const { key } = await issuePartnerKey(h.db.prisma, {
    name: "marketplace",
    scopes: ["builders:read", "builders:write"],
    returnUrlAllowlist: ["https://partner.example/payouts"],
  });
  const partner = (method: "GET" | "POST" | "PATCH", url: string, payload?: Record<string, unknown>) =>
    h.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  let ACCOUNT = "";

  /** The platform's and the builder's available USD balances on the fake Stripe. */
  function balances() {
    const b = h.stripe.balances();
    return { platform: b.platform.available.usd ?? 0, builder: b.accounts[ACCOUNT]?.available.usd ?? 0 };
  }

  const bookingConfig = async () =>
    (await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: h.siteHeaders })).json() as {
      state: string;
      reason?: string;
    };

  function intentOf(b: PendingBooking): string {
    return h.stripe.getSession(b.sessionId)!.payment_intent as string;
  }

  function chargeOf(b: PendingBooking): Stripe.Charge {
    return h.stripe.charges.find((c) => c.payment_intent === intentOf(b))!;
  }

  const checkoutRequest = (b: PendingBooking) =>
    h.stripe.requests.find(
      (r) =>
        r.path === "/v1/checkout/sessions" &&
        r.method === "POST" &&
        r.idempotencyKey === `checkout_${b.booking.bookingId}`,
    )!;

  const refundRequests = (b: PendingBooking) =>
    h.stripe.requests.filter((r) => r.path === "/v1/refunds" && r.params.payment_intent === intentOf(b));

  /** The whole ledger agrees: the database with Stripe's charges, and every balance with its movements. */
  async function ledgerAgrees(t: Test) {
    await h.stripe.deliveriesSettled();
    const report = await checkLedger(h.db.prisma, h.stripe.charges);
    t.same(report.problems, [], "the database agrees with Stripe's charges");
    t.same(checkStripeBalances(h.stripe), [], "every balance adds up (platform, builder, fees)");
  }

  t.test("onboarding through the partner API: account, links, refresh, then bookable", async (t) => {
    t.match(await bookingConfig(), { state: "unavailable", reason: /not set up payouts yet/ });
    const first = await partner("POST", "/v1/partner/builders/liam/payouts/connect", { returnUrl: RETURN });
    t.equal(first.statusCode, 200, first.body);
    const link = first.json() as { url: string; expiresAt: string; payouts: { accountId: string; status: string } };
    ACCOUNT = link.payouts.accountId;
    t.match(ACCOUNT, /^acct_/);
    t.equal(link.payouts.status, "onboarding");
    t.ok(Date.parse(link.expiresAt) > Date.now(), "the link expires in the future");
    const created = h.stripe.requests.filter((r) => r.path === "/v1/accounts" && r.method === "POST");
    t.equal(created.length, 1, "one account created");
    t.match(created[0]!.params, {
      controller: {
        fees: { payer: "application" },
        losses: { payments: "application" },
        stripe_dashboard: { type: "express" },
      },
      capabilities: { transfers: { requested: "true" } },
      metadata: { builder_id: /.+/ },
    });
    t.match(await bookingConfig(), { state: "unavailable", reason: /not finished setting up payouts/ });

    // Asking again reuses the account and makes a fresh link.
    const second = (await partner("POST", "/v1/partner/builders/liam/payouts/connect", { returnUrl: RETURN })).json();
    t.equal(second.payouts.accountId, ACCOUNT, "the same account");
    t.not(second.url, link.url, "a new link");

    // A used link sends the browser to the refresh route, which answers with a fresh link.
    t.equal((await fetch(second.url, { redirect: "manual" })).status, 200, "the onboarding page");
    const used = await fetch(second.url, { redirect: "manual" });
    t.equal(used.status >= 300 && used.status < 400, true, "a visited link redirects");
    const refreshUrl = new URL(used.headers.get("location")!);
    t.equal(refreshUrl.pathname, "/v1/payouts/onboarding/refresh");
    const refreshed = await h.app.inject({ url: `${refreshUrl.pathname}${refreshUrl.search}` });
    t.equal(refreshed.statusCode, 303, refreshed.body);
    t.match(refreshed.headers.location, new RegExp(`^${h.stripe.url}/`), "to a fresh link on Stripe");
    t.equal((await fetch(refreshed.headers.location as string, { redirect: "manual" })).status, 200);

    await h.stripe.onboard(ACCOUNT, "complete");
    await waitFor(async () => (await bookingConfig()).state === "bookable", 5000, "bookable after account.updated");
    t.match((await partner("GET", "/v1/partner/builders/liam")).json(), {
      state: "bookable",
      payouts: { mode: "connect", status: "enabled", accountId: ACCOUNT, reason: null },
    });
  });

  t.test(
    "15,000 at a 10 % fee: builder 13,500, platform 1,500; a FULL-policy cancel returns both to zero",
    async (t) => {
      t.same(balances(), { platform: 0, builder: 0 }, "nothing yet");
      const b = await confirmedBooking(h);
      t.match(checkoutRequest(b).params, {
        payment_intent_data: { transfer_data: { destination: ACCOUNT }, application_fee_amount: "1500" },
      });
      const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: b.booking.bookingId } });
      t.match(payment, { applicationFeeAmount: 1_500, destinationAccountId: ACCOUNT, amountCaptured: PRICE });
      await waitFor(
        async () => (await h.db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).transferId,
        5000,
        "transfer recorded",
      );
      t.equal(
        (await h.db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).transferId,
        chargeOf(b).transfer,
        "the charge's transfer",
      );
      t.same(balances(), { platform: 1_500, builder: 13_500 }, "builder 13,500, platform 1,500");
      await ledgerAgrees(t);

      await h.calendly.cancel(b.scheduled.eventUri);
      await waitForStatus(h, b.booking.bookingId, "REFUNDED");
      t.equal(chargeOf(b).amount_refunded, PRICE, "the customer got 15,000 back");
      t.match(refundRequests(b)[0]?.params, {
        amount: "15000",
        reverse_transfer: "true",
        refund_application_fee: "true",
      });
      t.same(balances(), { platform: 0, builder: 0 }, "both balances back to zero");
      await ledgerAgrees(t);
    },
  );

  t.test("a builder's fee override, and a Dashboard refund that reverses the transfer", async (t) => {
    await partner("PATCH", "/v1/partner/builders/liam/payouts", { platformFee: { percentBps: 500, fixedAmount: 30 } });
    const before = balances();
    const b = await confirmedBooking(h);
    t.match(checkoutRequest(b).params, { payment_intent_data: { application_fee_amount: "780" } }, "5 % + 30");
    t.same(balances(), { platform: before.platform + 780, builder: before.builder + 14_220 });
    await h.app.providers.stripe.refunds.create({
      payment_intent: intentOf(b),
      reverse_transfer: true,
      refund_application_fee: true,
    });
    await waitForStatus(h, b.booking.bookingId, "REFUNDED");
    t.same(balances(), before, "all of it back");
    await ledgerAgrees(t);
  });

  t.test(
    "the fee is fixed on the payment: a retried checkout sends the same fee after the override changed",
    async (t) => {
      const { attemptId } = await startAttempt(h);
      const scheduled = await scheduleSlot(h, attemptId);
      h.stripe.faults.next({ method: "POST", path: "/v1/checkout/sessions", status: 400, message: "refused once" });
      const failed = await reportBooking(h, { attemptId, ...scheduled });
      t.equal(failed.statusCode, 502, failed.body);
      const booking = await h.db.prisma.booking.findUniqueOrThrow({
        where: { calendlyInviteeUri: scheduled.inviteeUri },
      });
      const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.id } });
      t.match(
        payment,
        { applicationFeeAmount: 780, destinationAccountId: ACCOUNT },
        "the override's 5 % + 30, stored before Stripe was asked",
      );

      await partner("PATCH", "/v1/partner/builders/liam/payouts", {
        platformFee: { percentBps: 2000, fixedAmount: 0 },
      });
      const retried = await reportBooking(h, { attemptId, ...scheduled });
      t.equal(retried.statusCode, 200, retried.body);
      const sent = h.stripe.requests.filter(
        (r) => r.path === "/v1/checkout/sessions" && r.idempotencyKey === `checkout_${booking.id}`,
      );
      t.match(
        sent.at(-1)?.params,
        { payment_intent_data: { application_fee_amount: "780" } },
        "the fee it was opened with, not 20 %",
      );
      const b: PendingBooking = {
        attemptId,
        scheduled,
        booking: retried.json(),
        sessionId: (retried.json() as { checkoutUrl: string }).checkoutUrl.split("/").pop()!,
      };
      await h.stripe.pay(b.sessionId);
      await waitForStatus(h, booking.id, "CONFIRMED");
      await h.calendly.cancel(scheduled.eventUri);
      await waitForStatus(h, booking.id, "REFUNDED");
      await ledgerAgrees(t);
    },
  );

  t.test("a zero-fee builder gets the whole price", async (t) => {
    await partner("PATCH", "/v1/partner/builders/liam/payouts", { platformFee: { percentBps: 0, fixedAmount: 0 } });
    const before = balances();
    const b = await confirmedBooking(h);
    const params = checkoutRequest(b).params as { payment_intent_data: Record<string, unknown> };
    t.notOk("application_fee_amount" in params.payment_intent_data, "no application fee sent");
    t.match(params.payment_intent_data, { transfer_data: { destination: ACCOUNT } });
    t.same(balances(), { platform: before.platform, builder: before.builder + PRICE });
    await h.calendly.cancel(b.scheduled.eventUri);
    await waitForStatus(h, b.booking.bookingId, "REFUNDED");
    t.same(balances(), before);
    await ledgerAgrees(t);
    await partner("PATCH", "/v1/partner/builders/liam/payouts", { platformFee: null });
  });

  t.test("receipts and promotion codes: invoice_creation when enabled, promotion codes per builder", async (t) => {
    h.config.checkout.invoiceCreation = true;
    await partner("PATCH", "/v1/partner/builders/liam/checkout-options", { allowPromotionCodes: true });
    t.teardown(async () => {
      h.config.checkout.invoiceCreation = false;
      await partner("PATCH", "/v1/partner/builders/liam/checkout-options", { allowPromotionCodes: false });
    });
    const b = await pendingBooking(h);
    t.match(checkoutRequest(b).params, {
      allow_promotion_codes: "true",
      invoice_creation: { enabled: "true", invoice_data: { metadata: { booking_id: b.booking.bookingId } } },
      payment_intent_data: { transfer_data: { destination: ACCOUNT }, application_fee_amount: "1500" },
    });
    const plain = await (async () => {
      h.config.checkout.invoiceCreation = false;
      await partner("PATCH", "/v1/partner/builders/liam/checkout-options", { allowPromotionCodes: false });
      return pendingBooking(h);
    })();
    const params = checkoutRequest(plain).params as Record<string, unknown>;
    t.notOk("allow_promotion_codes" in params, "no promotion codes unless allowed");
    t.notOk("invoice_creation" in params, "no invoice unless enabled");

    // Or the site the booking is made on allows them.
    const site = await h.db.prisma.site.update({
      where: { publishableKey: h.siteHeaders["x-baw-site-key"] },
      data: { allowPromotionCodes: true },
    });
    t.teardown(() => h.db.prisma.site.update({ where: { id: site.id }, data: { allowPromotionCodes: false } }));
    t.match(checkoutRequest(await pendingBooking(h)).params, { allow_promotion_codes: "true" }, "per site");
  });

  t.test("PLATFORM_FEE_ON_REFUND=keep: a customer's cancellation leaves the fee with the platform", async (t) => {
    h.config.payouts.feeOnRefund = "keep";
    t.teardown(() => {
      h.config.payouts.feeOnRefund = "return";
    });
    const before = balances();
    const b = await confirmedBooking(h);
    await h.calendly.cancel(b.scheduled.eventUri);
    await waitForStatus(h, b.booking.bookingId, "REFUNDED");
    t.match(refundRequests(b)[0]?.params, { reverse_transfer: "true", refund_application_fee: "false" });
    t.equal(chargeOf(b).amount_refunded, PRICE, "the customer still gets everything back");
    t.same(
      balances(),
      { platform: before.platform + 1_500, builder: before.builder - 1_500 },
      "the platform keeps its fee; the builder's reversed transfer bears it",
    );
    await ledgerAgrees(t);
  });

  t.test("a payment that lands after the hold was released is refunded whole, fee included", async (t) => {
    const before = balances();
    const b = await pendingBooking(h);
    const url = h.stripe.webhookUrl;
    h.stripe.setWebhookUrl(undefined);
    await h.stripe.pay(b.sessionId);
    h.stripe.setWebhookUrl(url);
    const paid = h.stripe.getSession(b.sessionId)!;
    await h.stripe.deliver({
      id: `evt_late_${b.booking.bookingId}`,
      object: "event",
      type: "checkout.session.expired",
      api_version: "2025-10-29.clover",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: { ...paid, status: "expired", payment_status: "unpaid", payment_intent: null } },
    });
    await waitForStatus(h, b.booking.bookingId, "EXPIRED");
    const completed = h.stripe.events.find(
      (e) => e.type === "checkout.session.completed" && (e.data.object as { id: string }).id === b.sessionId,
    )!;
    await h.stripe.redeliver(completed.id);
    await waitFor(() => chargeOf(b).amount_refunded === PRICE, 5000, "refunded");
    t.match(refundRequests(b)[0]?.params, { reverse_transfer: "true", refund_application_fee: "true" });
    t.same(balances(), before, "both balances as before");
    await ledgerAgrees(t);
  });

  t.test("a reschedule onto a confirmed slot refunds the moved booking, fee included", async (t) => {
    const a = await confirmedBooking(h);
    const b = await confirmedBooking(h);
    const afterBoth = balances();
    const slot = h.calendly.event(a.scheduled.eventUri)!.start_time;
    await h.calendly.flushWebhooks();
    h.calendly.setWebhookUrl(undefined);
    const moved = await h.calendly.reschedule(b.scheduled.inviteeUri, new Date(Date.parse(slot) + 7 * 86_400_000));
    h.calendly.setWebhookUrl(`${h.url}/webhooks/calendly`);
    const created = h.calendly.deliveries.find(
      (d) => d.event === "invitee.created" && d.payload.payload.uri === moved.inviteeUri,
    )!;
    const body = JSON.parse(created.body) as { payload: { scheduled_event: { start_time: string; end_time: string } } };
    body.payload.scheduled_event.start_time = slot;
    body.payload.scheduled_event.end_time = new Date(Date.parse(slot) + 3_600_000).toISOString();
    const raw = JSON.stringify(body);
    const res = await h.app.inject({
      method: "POST",
      url: "/webhooks/calendly",
      headers: {
        "content-type": "application/json",
        "calendly-webhook-signature": signatureHeader(h.config.calendly.webhookSigningKey, raw),
      },
      payload: raw,
    });
    t.match(res.json(), { outcome: "reschedule_conflict_cancelled" });
    await waitForStatus(h, b.booking.bookingId, "REFUNDED");
    t.match(refundRequests(b)[0]?.params, { reverse_transfer: "true", refund_application_fee: "true" });
    t.same(
      balances(),
      { platform: afterBoth.platform - 1_500, builder: afterBoth.builder - 13_500 },
      "the moved booking's money is all back",
    );
    await h.calendly.cancel(a.scheduled.eventUri);
    await waitForStatus(h, a.booking.bookingId, "REFUNDED");
    await ledgerAgrees(t);
  });

  t.test("restricted after the attempt: checkout is refused and the slot released at once", async (t) => {
    const { attemptId } = await startAttempt(h);
    await h.stripe.restrictAccount(ACCOUNT, "requirements.past_due");
    await waitFor(async () => (await bookingConfig()).state === "unavailable", 5000, "restricted");
    t.match(await bookingConfig(), { reason: /restricted by Stripe \(requirements\.past_due\)/ });
    const scheduled = await scheduleSlot(h, attemptId);
    const res = await reportBooking(h, { attemptId, ...scheduled });
    t.equal(res.statusCode, 409);
    t.match(res.json(), { error: "builder_payouts_unavailable", message: /restricted/ });
    const booking = await h.db.prisma.booking.findUniqueOrThrow({
      where: { calendlyInviteeUri: scheduled.inviteeUri },
    });
    t.equal(booking.status, "FAILED");
    await waitFor(() => apiCancellations(h, scheduled.eventUri).length === 1, 5000, "Calendly event cancelled");
    t.equal(h.stripe.sessions.filter((s) => s.client_reference_id === booking.id).length, 0, "no checkout opened");

    await h.stripe.enableAccount(ACCOUNT);
    await waitFor(async () => (await bookingConfig()).state === "bookable", 5000, "enabled again");
  });
}
