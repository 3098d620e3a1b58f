// The pure rules of marketplace mode: the platform fee, what a Stripe account's state means for a
// builder, when payouts block a booking, the onboarding refresh token, and the settings.
import t from "tap";
import { type ConfigError, loadConfig } from "../src/config.js";
import { decideBookability } from "../src/domain/bookability.js";
import { accountState } from "../src/domain/payouts/account-status.js";
import { feeRuleFor, platformFee } from "../src/domain/payouts/fees.js";
import { onboardingToken, readOnboardingToken } from "../src/domain/payouts/onboarding-token.js";
import { payoutBlock } from "../src/domain/payouts/readiness.js";
import type { Builder, PayoutAccount, SessionType } from "../src/generated/prisma/client.js";

t.test("the platform fee: percentage rounded half up, plus fixed, never above the amount", async (t) => {
  t.equal(platformFee(15_000, { percentBps: 1000, fixedAmount: 0 }), 1_500, "10 % of 15,000");
  t.equal(platformFee(15_000, { percentBps: 0, fixedAmount: 0 }), 0, "zero fee");
  t.equal(platformFee(15_000, { percentBps: 290, fixedAmount: 30 }), 465, "2.9 % + 30");
  t.equal(platformFee(999, { percentBps: 1050, fixedAmount: 0 }), 105, "104.895 rounds to 105");
  t.equal(platformFee(1_001, { percentBps: 50, fixedAmount: 0 }), 5, "5.005 rounds to 5");
  t.equal(platformFee(100, { percentBps: 1000, fixedAmount: 500 }), 100, "capped at the amount");
  t.equal(platformFee(0, { percentBps: 1000, fixedAmount: 500 }), 0, "nothing on a free session");
  t.equal(platformFee(15_000, { percentBps: 10_000, fixedAmount: 0 }), 15_000, "100 %");
});

t.test("a builder's override replaces the default as a whole", async (t) => {
  const def = { percentBps: 1000, fixedAmount: 30 };
  t.same(feeRuleFor(def, null), { ...def, source: "default" });
  t.same(feeRuleFor(def, { feePercentBps: null, feeFixedAmount: null }), { ...def, source: "default" });
  t.same(feeRuleFor(def, { feePercentBps: 0, feeFixedAmount: 0 }), {
    percentBps: 0,
    fixedAmount: 0,
    source: "builder",
  });
});

t.test(
  "account states: transfers active is enabled; otherwise onboarding or restricted with Stripe's reason",
  async (t) => {
    t.same(
      accountState({ capabilities: { transfers: "active" }, details_submitted: true, requirements: null } as never),
      {
        status: "ENABLED",
        reason: null,
      },
    );
    t.same(
      accountState({
        capabilities: { transfers: "inactive" },
        details_submitted: false,
        requirements: { disabled_reason: "requirements.past_due" },
      } as never),
      { status: "ONBOARDING", reason: "requirements.past_due" },
    );
    t.same(
      accountState({
        capabilities: { transfers: "inactive" },
        details_submitted: true,
        requirements: { disabled_reason: "requirements.past_due" },
      } as never),
      { status: "RESTRICTED", reason: "requirements.past_due" },
    );
    t.same(accountState({ capabilities: { transfers: "pending" }, details_submitted: true } as never), {
      status: "RESTRICTED",
      reason: "transfers capability pending",
    });
    t.same(accountState({ details_submitted: true } as never), {
      status: "RESTRICTED",
      reason: "transfers capability not requested",
    });
  },
);

t.test("payouts block bookings only in connect mode, and say why", async (t) => {
  const account = (status: PayoutAccount["status"], statusReason: string | null = null) => ({
    stripeAccountId: "acct_1",
    status,
    statusReason,
  });
  t.equal(payoutBlock("single-merchant", "Ada", null), undefined);
  t.match(payoutBlock("connect", "Ada", null), /Ada has not set up payouts yet/);
  t.match(payoutBlock("connect", "Ada", { ...account("ONBOARDING"), stripeAccountId: null }), /not set up payouts/);
  t.match(payoutBlock("connect", "Ada", account("ONBOARDING")), /not finished setting up payouts/);
  t.equal(payoutBlock("connect", "Ada", account("ENABLED")), undefined);
  t.match(
    payoutBlock("connect", "Ada", account("RESTRICTED", "requirements.past_due")),
    /restricted.*requirements\.past_due/,
  );
  t.match(payoutBlock("connect", "Ada", account("DISCONNECTED")), /disconnected/);

  const builder = {
    name: "Ada",
    isDemo: false,
    bookingEnabled: true,
    calendlyEventUrl: "https://calendly.com/ada/x",
    sessionTypes: [{ active: true, position: 0 } as SessionType],
  } as Builder & { sessionTypes: SessionType[] };
  t.equal(decideBookability(builder).state, "bookable", "single-merchant by default");
  t.match(decideBookability(builder, "connect"), { state: "unavailable", reason: /not set up payouts/ });
  t.match(
    decideBookability({ ...builder, payoutAccount: account("RESTRICTED", "under_review") as PayoutAccount }, "connect"),
    { state: "unavailable", reason: /under_review/ },
  );
  t.equal(
    decideBookability({ ...builder, payoutAccount: account("ENABLED") as PayoutAccount }, "connect").state,
    "bookable",
  );
});

t.test("the onboarding refresh token: signed, bound to its claims, expiring", async (t) => {
  const secret = "s".repeat(40);
  const claims = { builderId: "b1", accountId: "acct_1", returnUrl: "https://market.example/payouts" };
  const token = onboardingToken(secret, claims, 0);
  t.match(readOnboardingToken(secret, token, 1000), claims);
  t.equal(readOnboardingToken("x".repeat(40), token, 1000), null, "another secret");
  t.equal(readOnboardingToken(secret, token, 8 * 24 * 3600 * 1000), null, "after seven days");
  const [payload, mac] = token.split(".");
  const forged = Buffer.from(JSON.stringify({ ...claims, accountId: "acct_2", exp: 9e9 })).toString("base64url");
  t.equal(readOnboardingToken(secret, `${forged}.${mac}`, 1000), null, "claims changed");
  t.equal(readOnboardingToken(secret, `${payload}`, 1000), null, "no signature");
  t.equal(readOnboardingToken(secret, "garbage.", 1000), null);
});

t.test("settings: one payouts mode, fee defaults, the Connect secret when it matters", async (t) => {
  const sandbox = {
    PROVIDER_MODE: "sandbox",
    STRIPE_API_BASE: "http://127.0.0.1:4242",
    CALENDLY_API_BASE: "http://127.0.0.1:4243/api",
    CALENDLY_ORIGIN: "http://127.0.0.1:4243",
  };
  const c = loadConfig(sandbox);
  t.same(c.payouts, { mode: "single-merchant", defaultFee: { percentBps: 0, fixedAmount: 0 }, feeOnRefund: "return" });
  t.equal(c.checkout.invoiceCreation, false);
  t.equal(c.stripe.connectWebhookSecret, "whsec_sandbox_connect", "the sandbox's Connect secret by default");
  const connect = loadConfig({
    ...sandbox,
    PAYOUTS_MODE: "connect",
    PLATFORM_FEE_PERCENT_BPS: "1000",
    PLATFORM_FEE_FIXED_AMOUNT: "30",
    PLATFORM_FEE_ON_REFUND: "keep",
    CHECKOUT_INVOICE_CREATION: "true",
  });
  t.same(connect.payouts, { mode: "connect", defaultFee: { percentBps: 1000, fixedAmount: 30 }, feeOnRefund: "keep" });
  t.equal(connect.checkout.invoiceCreation, true);

  const problems = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };
  t.match(problems({ ...sandbox, PAYOUTS_MODE: "marketplace" }), [
    /^PAYOUTS_MODE must be single-merchant .* or connect/,
  ]);
  t.match(problems({ ...sandbox, PLATFORM_FEE_PERCENT_BPS: "10001" }), [
    /^PLATFORM_FEE_PERCENT_BPS must be at most 10000/,
  ]);
  t.match(problems({ ...sandbox, PLATFORM_FEE_PERCENT_BPS: "2.5" }), [
    /^PLATFORM_FEE_PERCENT_BPS must be a whole number/,
  ]);
  t.match(problems({ ...sandbox, PLATFORM_FEE_FIXED_AMOUNT: "-1" }), [/^PLATFORM_FEE_FIXED_AMOUNT must be 0 or more/]);
  t.match(problems({ ...sandbox, PLATFORM_FEE_ON_REFUND: "sometimes" }), [
    /^PLATFORM_FEE_ON_REFUND must be return or keep/,
  ]);
  t.match(problems({ ...sandbox, STRIPE_CONNECT_WEBHOOK_SECRET: "nope" }), [
    /^STRIPE_CONNECT_WEBHOOK_SECRET must look like whsec_/,
  ]);
  const live = {
    PROVIDER_MODE: "live",
    STRIPE_SECRET_KEY: "sk_test_abc123",
    STRIPE_WEBHOOK_SECRET: "whsec_abc",
    CALENDLY_TOKEN: "eyJ.token",
    CALENDLY_WEBHOOK_SIGNING_KEY: "key",
    BOOKING_TOKEN_SECRET: "s".repeat(40),
  };
  t.same(problems(live), [], "single-merchant needs no Connect secret");
  t.match(problems({ ...live, PAYOUTS_MODE: "connect" }), [
    /^STRIPE_CONNECT_WEBHOOK_SECRET is required with PAYOUTS_MODE=connect/,
  ]);
  t.same(problems({ ...live, PAYOUTS_MODE: "connect", STRIPE_CONNECT_WEBHOOK_SECRET: "whsec_connect" }), []);
});
