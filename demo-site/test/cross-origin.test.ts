// 5. Cross-origin embedding: Liam's own site (another origin, its own site key) books through to
// a paid confirmation on its own return page. A page on an origin that no site allows, reusing
// the marketplace's key, is refused, and the element shows the service's message.
import t from "tap";
import {
  calendly,
  launchBrowser,
  openSession,
  scheduleFirstSlot,
  startTestDemo,
  waitForState,
  widget,
  widgetText,
  widgetTextMatching,
} from "./helpers/e2e.js";

const demo = await startTestDemo(t);
const browser = await launchBrowser(t);
const api = new URL(demo.urls.api).origin;
const s = await openSession(t, browser, "cross-origin", {
  expected: [
    {
      // Chromium logs every non-2xx response it loads. The service's 403 to the refused origin
      // is what this test is about; nothing else may fail.
      text: /^Failed to load resource: the server responded with a status of 403 \(Forbidden\)$/,
      url: new RegExp(`^${api.replace(/[.]/g, "\\.")}/v1/builders/liam/booking-config$`),
      why: "the service refuses the origin that is not allowed",
    },
  ],
});
const { page } = s;

await t.test("the builder's own site, on another origin, books and pays", async (t) => {
  const corsHeaders: (string | undefined)[] = [];
  page.on("response", (response) => {
    if (response.url().startsWith(`${api}/v1/`) && response.request().method() !== "OPTIONS") {
      corsHeaders.push(response.headers()["access-control-allow-origin"]);
    }
  });
  await page.goto(demo.urls.builderSite);
  t.not(new URL(page.url()).origin, new URL(demo.urls.marketplace).origin, "a different origin from the marketplace");
  t.match(await page.title(), /Liam/);
  await waitForState(page, "calendar");
  await calendly(page).locator("[data-slot]").first().waitFor();
  await s.shot("builder-site");
  await s.shot("builder-site-calendar", page, page.locator("#book .widget-card"));

  await scheduleFirstSlot(calendly(page), { name: "Katherine Johnson", email: "katherine@example.com" });
  await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/checkout/`));
  t.ok(corsHeaders.length >= 2, "the API answered the widget's requests");
  t.ok(
    corsHeaders.every((h) => h === demo.origins.builderSite),
    `CORS allowed exactly the builder's origin (${demo.origins.builderSite})`,
  );
  const session = demo.fakes.stripe!.sessions.at(-1)!;
  t.ok(
    session.success_url?.startsWith(`${demo.origins.builderSite}/booked?`),
    "checkout returns to the builder's site",
  );
  await s.shot("checkout");

  await page.locator("#pay").click();
  await page.waitForURL((url) => url.origin === demo.origins.builderSite && url.pathname === "/booked");
  await waitForState(page, "confirmed");
  t.match(await widgetText(page), /You're booked/, "the element confirms, on the builder's own site");
  t.ok(await page.locator("[data-booking-summary]").isHidden(), "one set of details: the element's");
  const booking = await demo.app.db.prisma.booking.findFirstOrThrow({ include: { site: true } });
  t.equal(booking.status, "CONFIRMED", "the booking is confirmed");
  t.equal(booking.site?.publishableKey, demo.keys.builderSite, "and belongs to the builder's own site");
  await s.shot("confirmed");
});

await t.test("an origin that is not allowed is refused with a clear message", async (t) => {
  const calendlyBefore = demo.fakes.calendly!.requests.length;
  await page.goto(demo.urls.blocked);
  await waitForState(page, "error");
  const text = await widgetTextMatching(page, `Origin ${demo.origins.blocked} is not allowed`);
  t.match(
    text,
    `Origin ${demo.origins.blocked} is not allowed to use this site key`,
    "the element shows the service's origin_not_allowed message",
  );
  t.equal(await widget(page).locator("iframe").count(), 0, "no calendar");
  t.equal(await widget(page).getByRole("button", { name: "Retry" }).count(), 0, "no pointless retry");
  t.equal(demo.fakes.calendly!.requests.length, calendlyBefore, "Calendly was never involved");
  t.equal(await page.locator("#sandbox-banner:not([hidden])").count(), 0, "no sandbox banner on a foreign site");
  await s.shot("refused");
});

s.assertClean();
