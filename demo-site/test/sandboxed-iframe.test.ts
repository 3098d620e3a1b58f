// 6. The element inside <iframe sandbox> without allow-top-navigation: it can't send the page to
// Stripe Checkout, so it offers "open checkout in a new tab". That tab pays, and the frame
// (which keeps watching the booking) turns to confirmed.
import t from "tap";
import {
  calendly,
  launchBrowser,
  openSession,
  plain,
  scheduleFirstSlot,
  startTestDemo,
  waitForState,
  widget,
  widgetText,
} from "./helpers/e2e.js";

const demo = await startTestDemo(t);
const browser = await launchBrowser(t);
const s = await openSession(t, browser, "sandboxed-iframe", {
  expected: [
    {
      // Chromium reports the refused top navigation as a console error. The element tries the
      // navigation first (it can't know the frame's sandbox flags), gets blocked, and falls back
      // to the new-tab link: exactly what this test proves.
      text: /^Unsafe attempt to initiate navigation for frame with URL '[^']+\/embed\/sandboxed' from frame with URL '[^']+\/embed\/frame\?builder=liam'\. The frame attempting navigation of the top-level window is sandboxed, but the flag of 'allow-top-navigation' or 'allow-top-navigation-by-user-activation' is not set\.\n?$/,
      url: /\/widget\/baw-book-builder\.js$/,
      why: "the sandbox blocks top navigation on purpose",
    },
  ],
});
const { page } = s;

await t.test("the frame is sandboxed without allow-top-navigation", async (t) => {
  await page.goto(demo.urls.sandboxedEmbed);
  const sandbox = await page.locator("#sandboxed-frame").getAttribute("sandbox");
  t.equal(sandbox, "allow-scripts allow-same-origin allow-popups allow-forms");
  t.notMatch(sandbox ?? "", /allow-top-navigation/);
  const frame = page.frameLocator("#sandboxed-frame");
  await waitForState(frame, "calendar");
  await calendly(frame).locator("[data-slot]").first().waitFor();
  await s.shot("calendar-in-frame");
});

await t.test("after scheduling, the frame offers checkout in a new tab", async (t) => {
  const frame = page.frameLocator("#sandboxed-frame");
  const hostUrl = page.url();
  await scheduleFirstSlot(calendly(frame), { name: "Hedy Lamarr", email: "hedy@example.com" });
  const link = widget(frame).getByRole("link", { name: "Open checkout in a new tab" });
  await link.waitFor({ timeout: 20_000 });
  t.equal(page.url(), hostUrl, "the host page did not navigate");
  t.match(await widgetText(frame), /Checkout can't open in this frame/);
  await s.shot("new-tab-offered");

  const [checkout] = await Promise.all([s.context.waitForEvent("page"), link.click()]);
  await checkout.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/checkout/`));
  t.equal(plain(await checkout.locator("#amount").textContent()), "$150.00", "checkout opened in the new tab");
  await s.shot("checkout-tab", checkout);

  await checkout.locator("#pay").click();
  await checkout.waitForURL((url) => url.pathname === "/booking/confirmed");
  await waitForState(checkout, "confirmed");
  await s.shot("confirmed-tab", checkout);
});

await t.test("the frame sees the payment and shows the confirmation", async (t) => {
  const frame = page.frameLocator("#sandboxed-frame");
  await waitForState(frame, "confirmed", 30_000);
  t.match(await widgetText(frame), /Liam/);
  const booking = await demo.app.db.prisma.booking.findFirstOrThrow({ include: { payments: true } });
  t.equal(booking.status, "CONFIRMED", "the booking record is CONFIRMED");
  t.equal(booking.payments[0]?.status, "PAID", "the payment record is PAID");
  await s.shot("confirmed-in-frame");
});

s.assertClean();
