// 2. Checkout abandoned: the visitor cancels on the checkout page, the short sandbox hold runs
// out, the service cancels the Calendly event, and the page shows the expiry with a way to
// book again.
import t from "tap";
import {
  calendly,
  eventually,
  launchBrowser,
  openSession,
  plain,
  scheduleFirstSlot,
  startTestDemo,
  waitForState,
  widget,
  widgetText,
} from "./helpers/e2e.js";

// Long enough to get from scheduling to the cancel page on a busy 2-core machine, short enough
// to watch it run out.
const HOLD_SECONDS = 10;

const demo = await startTestDemo(t, { SANDBOX_HOLD_SECONDS: String(HOLD_SECONDS), SWEEP_INTERVAL_SECONDS: "1" });
const browser = await launchBrowser(t);
const s = await openSession(t, browser, "hold-expiry");
const { page } = s;
const fakeCalendly = demo.fakes.calendly!;

let bookingId = "";
await t.test("leaving checkout without paying lands on the cancel page, slot still held", async (t) => {
  await page.goto(demo.urls.liamBooking);
  await waitForState(page, "calendar");
  await calendly(page).locator("[data-slot]").first().waitFor();
  await s.shot("calendar");
  await scheduleFirstSlot(calendly(page), { name: "Grace Hopper", email: "grace@example.com" });
  await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/checkout/`));
  await s.shot("checkout");
  await page.locator("#cancel").click();
  await page.waitForURL((url) => url.pathname === "/booking/cancelled");
  const query = new URL(page.url()).searchParams;
  t.equal(query.get("baw_checkout"), "cancelled", "the cancel_url marks the return");
  bookingId = query.get("baw_booking")!;
  await waitForState(page, "payment-cancelled");
  await page.locator('[data-booking-summary][data-status="PENDING_PAYMENT"]').waitFor();
  t.match(plain(await page.locator("h1").textContent()), /Payment not completed/);
  const element = widget(page);
  t.ok(await element.getByRole("button", { name: "Return to checkout" }).isVisible(), "offers to return to checkout");
  t.equal(fakeCalendly.cancellations.length, 0, "the Calendly event is not cancelled yet");
  await s.shot("payment-cancelled");
});

await t.test("when the hold runs out the Calendly event is cancelled and the page says so", async (t) => {
  await waitForState(page, "hold-expired", (HOLD_SECONDS + 15) * 1000);
  const booking = await demo.app.db.prisma.booking.findUniqueOrThrow({ where: { id: bookingId } });
  const eventUri = booking.calendlyEventUri!; // an embedded booking is made in Calendly first
  const cancelled = await eventually(
    () => fakeCalendly.cancellations.find((c) => eventUri.endsWith(c.eventUuid)),
    "the sandbox Calendly event's cancellation",
  );
  t.equal(cancelled.source, "api", "cancelled by the service through Calendly's API");
  t.equal(fakeCalendly.event(eventUri)?.status, "canceled", "Calendly lists the event as canceled");
  const expired = await eventually(async () => {
    const b = await demo.app.db.prisma.booking.findUniqueOrThrow({
      where: { id: bookingId },
      include: { payments: true },
    });
    return b.status === "EXPIRED" ? b : undefined;
  }, "the booking to expire");
  t.equal(expired.status, "EXPIRED", "the booking record is EXPIRED");
  t.equal(expired.payments[0]?.status, "EXPIRED", "the payment record is EXPIRED");

  await page.locator('[data-booking-summary][data-status="EXPIRED"]').waitFor();
  t.equal(plain(await page.locator('[data-booking-summary] [data-field="status"]').textContent()), "Hold expired");
  const text = await widgetText(page);
  t.match(text, /Hold expired/i, "the element shows the expiry");
  t.equal(plain(await page.locator("h1").textContent()), "Hold expired", "so does the page's heading");
  t.notMatch(plain(await page.locator("[data-page-lede]").textContent()), /We hold your time/, "no stale promise");
  await s.shot("hold-expired");
});

await t.test("'Book another time' starts over at the calendar", async (t) => {
  await widget(page).getByRole("button", { name: "Book another time" }).click();
  await waitForState(page, "calendar");
  await calendly(page).locator("[data-slot]").first().waitFor();
  t.notOk(new URL(page.url()).searchParams.has("baw_booking"), "the return parameters are gone from the URL");
  await s.shot("book-again");
});

s.assertClean();
