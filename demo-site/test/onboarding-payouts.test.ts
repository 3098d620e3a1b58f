// "Become a builder" when the marketplace pays builders out (PAYOUTS_MODE=connect, a 10 % platform
// fee): after pricing a session the builder sets up payouts on the sandbox Stripe's hosted
// onboarding page, is bookable once Stripe enables the account, and after a paid booking of 150
// the last step shows their sandbox balance, 135 (the price less the fee); cancelled under its FULL refund policy, nothing.
import t from "tap";
import {
  calendly,
  type Expected,
  eventually,
  launchBrowser,
  openSession,
  plain,
  scheduleFirstSlot,
  startTestDemo,
  waitForState,
} from "./helpers/e2e.js";

const demo = await startTestDemo(t, { PAYOUTS_MODE: "connect", PLATFORM_FEE_PERCENT_BPS: "1000" });
const payoutsMode = (demo.config as { payouts?: { mode?: string } }).payouts?.mode;
// A service without Stripe Connect payouts has nothing to onboard the builder to.
const skip = payoutsMode === "connect" ? false : "the booking service of this tree pays no builders out";
const consentFavicon: Expected = {
  text: /Failed to load resource: the server responded with a status of 404/,
  url: new RegExp(`^${demo.urls.sandboxCalendly!.replace(/[.:/]/g, "\\$&")}/favicon\\.ico$`),
  why: "the sandbox Calendly serves no favicon for its consent page",
};

await t.test(
  "a builder sets up payouts, is booked and paid, and sees the balance less the fee",
  { skip },
  async (t) => {
    const browser = await launchBrowser(t);
    const s = await openSession(t, browser, "onboarding-payouts", { expected: [consentFavicon] });
    const { page } = s;
    await page.goto(`${demo.urls.marketplace}become-a-builder`);
    await page.getByLabel("Name", { exact: true }).fill("Mary Somerville");
    await page.getByLabel("Profile address").fill("mary-somerville");
    await page.getByLabel(/Always refund/).check();
    await page.getByRole("button", { name: "Create profile and continue" }).click();
    await page.getByRole("button", { name: "Connect Calendly" }).click();
    await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxCalendly}/oauth/authorize`));
    await page.getByLabel("Ada Sandbox").check();
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL(/\/become-a-builder\/session$/, { timeout: 20_000 });
    await page.getByLabel(/Pairing session/).check();
    await page.getByLabel("Price").fill("150");
    await page.getByRole("button", { name: "Offer this session" }).click();

    await page.waitForURL(/\/become-a-builder\/payouts$/);
    t.match(plain(await page.locator(".onboard-steps").textContent()), /Set up payouts/, "a payouts step");
    t.equal(await page.locator("[data-payout-status]").getAttribute("data-payout-status"), "not_started");
    await page.goto(demo.urls.marketplace);
    t.match(
      plain(await page.locator('.builder-card[data-builder="mary-somerville"]').textContent()),
      /Not taking bookings/,
      "not bookable before payouts are set up",
    );
    await page.goto(`${demo.urls.marketplace}become-a-builder/payouts`);
    await s.shot("payouts");
    await page.getByRole("button", { name: "Set up payouts with Stripe" }).click();
    await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/`));
    await s.shot("stripe-onboarding");
    await page.locator("#complete").check();
    await page.locator("#submit").click();
    await page.waitForURL(/\/become-a-builder\/(payouts\?returned=1|done)$/, { timeout: 20_000 });
    // Stripe's account.updated may reach the service just after the builder is back.
    await eventually(async () => {
      if (page.url().endsWith("/done")) return true;
      await page.reload();
      return page.url().endsWith("/done") || (await page.locator('[data-payout-status="enabled"]').count()) > 0;
    }, "payouts enabled");
    if (!page.url().endsWith("/done")) await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL(/\/become-a-builder\/done$/);
    t.match(plain(await page.locator("h1").textContent()), /You're taking bookings/);

    await page.goto(`${demo.urls.marketplace}builders/mary-somerville/book`);
    await waitForState(page, "calendar");
    await scheduleFirstSlot(calendly(page));
    await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/checkout/`), { timeout: 20_000 });
    await page.locator("#pay").click();
    await page.waitForURL((url) => url.pathname === "/booking/confirmed", { timeout: 20_000 });
    await waitForState(page, "confirmed");

    const balance = async () => {
      await page.goto(`${demo.urls.marketplace}become-a-builder/done`);
      return plain(await page.locator("[data-balance]").textContent());
    };
    await eventually(async () => (await balance()) === "$135", "the builder's balance: 150 less the 10 % fee");
    await s.shot("balance");
    // The same in Stripe's ledger, in minor units, per account.
    const { stripeAccountId } = await demo.app.db.prisma.payoutAccount.findFirstOrThrow({
      where: { builder: { slug: "mary-somerville" } },
    });
    const ledger = () => {
      const b = demo.fakes.stripe!.balances();
      return {
        builder: b.accounts[stripeAccountId!]?.available.usd ?? 0,
        platform: b.platform.available.usd ?? 0,
        refunded: b.platform.refunded.usd ?? 0,
      };
    };
    t.same(
      ledger(),
      { builder: 13_500, platform: 1_500, refunded: 0 },
      "Stripe: 13,500 to the builder, 1,500 to the platform",
    );

    // The customer cancels in Calendly; under the FULL policy the payment is refunded, the transfer
    // to the builder reversed and the fee returned.
    const booking = await demo.app.db.prisma.booking.findFirstOrThrow({
      where: { builder: { slug: "mary-somerville" } },
    });
    await demo.fakes.calendly!.cancel(booking.calendlyEventUri!);
    await eventually(async () => ["$0", "Nothing yet"].includes(await balance()), "the balance back to nothing");
    await eventually(async () => ledger().refunded === 15_000, "the customer refunded");
    t.same(
      ledger(),
      { builder: 0, platform: 0, refunded: 15_000 },
      "Stripe: both balances back to zero, 15,000 refunded",
    );
    s.assertClean();
  },
);
