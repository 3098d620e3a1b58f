// 1. The happy path: marketplace → Liam's profile → booking page → a slot in the sandbox
// Calendly → paid in the sandbox Checkout → the confirmation page shows the booking.
import t from "tap";
import {
  calendly,
  launchBrowser,
  openSession,
  plain,
  scheduleFirstSlot,
  startTestDemo,
  waitForState,
  widgetText,
} from "./helpers/e2e.js";

const TIME_ZONE = "America/New_York";

const demo = await startTestDemo(t);
const browser = await launchBrowser(t);
const s = await openSession(t, browser, "booking", { contextOptions: { timezoneId: TIME_ZONE } });
const { page } = s;

await t.test("the marketplace lists six builders, five of them demos", async (t) => {
  await page.goto(demo.urls.marketplace);
  const cards = page.locator(".builder-card");
  await t.resolves(cards.first().waitFor());
  t.equal(await cards.count(), 6, "six builder cards");
  t.equal(await page.locator(".builder-card .badge-demo").count(), 5, "five carry a demo badge");
  t.equal(await page.locator('.builder-card[data-builder="liam"] .badge-demo').count(), 0, "Liam is not a demo");
  await page.locator("#sandbox-banner:not([hidden])").waitFor();
  t.match(plain(await page.locator("#sandbox-banner").textContent()), /Sandbox mode/, "sandbox banner is shown");
  await s.shot("marketplace");
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  t.equal(overflow, 0, "no horizontal scrolling on a phone-sized screen");
  await s.shot("marketplace-phone");
  await page.setViewportSize({ width: 1280, height: 900 });
});

await t.test("Liam's profile leads to his booking page", async (t) => {
  await page.locator('.builder-card[data-builder="liam"] a').click();
  await page.waitForURL(/\/builders\/liam$/);
  t.match(await page.locator("h1").textContent(), /Liam/);
  await s.shot("profile");
  await page.getByRole("link", { name: "Book a session" }).click();
  await page.waitForURL(/\/builders\/liam\/book$/);
  await waitForState(page, "calendar");
  await calendly(page).locator("[data-slot]").first().waitFor();
  await s.shot("calendar");
});

let slotStart = "";
await t.test("a slot scheduled in the sandbox Calendly opens the sandbox Checkout", async (t) => {
  slotStart = await scheduleFirstSlot(calendly(page));
  await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/checkout/`), { timeout: 20_000 });
  t.equal(plain(await page.locator("#amount").textContent()), "$150.00", "the server-side price");
  await s.shot("checkout");
  const before = s.states.map((x) => x.state);
  for (const state of ["loading", "calendar", "creating-checkout", "redirecting"]) {
    t.ok(before.includes(state), `the element passed through ${state}`);
  }
});

await t.test("paying returns to the confirmation page, which shows the booking", async (t) => {
  await page.locator("#pay").click();
  await page.waitForURL((url) => url.pathname === "/booking/confirmed", { timeout: 20_000 });
  const query = new URL(page.url()).searchParams;
  t.ok(query.get("baw_booking") && query.get("baw_token") && query.get("session_id"), "return parameters present");
  await waitForState(page, "confirmed");
  t.equal(plain(await page.locator("h1").textContent()), "You're booked", "the page's heading follows the element");
  await s.shot("confirmed");

  // One set of details: the element's. The page's summary card is for the states where the element shows none.
  const element = await widgetText(page);
  t.match(element, /Liam/, "the element names the builder");
  t.match(element, /\$150\.00/, "the element shows the amount paid");
  t.ok(await page.locator("[data-booking-summary]").isHidden(), "no second card repeating the details");
  t.ok(await page.getByText("A calendar invite is on its way to your inbox.").isVisible(), "what happens next");

  // The slot was listed in UTC; the element shows it in the visitor's own zone.
  const start = new Date(slotStart);
  const clock = new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "2-digit", timeZone: TIME_ZONE }).format(
    start,
  );
  t.ok(element.includes(plain(clock)), `the element shows the time in the visitor's zone (${plain(clock)})`);
  const zoneName = new Intl.DateTimeFormat("en-US", { timeZoneName: "short", timeZone: TIME_ZONE })
    .formatToParts(start)
    .find((p) => p.type === "timeZoneName")!.value;
  t.match(element, zoneName, "and names the zone");

  const id = query.get("baw_booking")!;
  const booking = await demo.app.db.prisma.booking.findUniqueOrThrow({ where: { id }, include: { payments: true } });
  t.equal(booking.status, "CONFIRMED", "the booking record is CONFIRMED");
  t.equal(booking.startTime.toISOString(), start.toISOString(), "for the slot picked");
  t.equal(booking.payments.length, 1, "one payment");
  t.equal(booking.payments[0]?.status, "PAID", "the payment record is PAID");
  t.equal(booking.payments[0]?.amount, 15000, "for $150.00");
});

s.assertClean();
