// Pay first, then book, in Chromium: Liam's profile → the pay-first booking page → a time in the
// element's own picker → the sandbox Checkout → the confirmation. The sandbox Calendly holds no
// booking until the payment succeeds, and exactly one after it. Then the race: a time taken
// directly in Calendly while the visitor pays is offered again with the payment held.
import t from "tap";
import {
  eventually,
  launchBrowser,
  openSession,
  plain,
  reserveFirstTime,
  startTestDemo,
  waitForState,
  widget,
  widgetTextMatching,
} from "./helpers/e2e.js";

const demo = await startTestDemo(t);
const browser = await launchBrowser(t);
const fakeCalendly = demo.fakes.calendly!;
const db = () => demo.app.db.prisma;
const ours = (bookingId: string) => fakeCalendly.invitees.filter((i) => i.tracking.utm_content === `bk_${bookingId}`);
const latestPayFirst = () =>
  eventually(
    async () =>
      (await db().booking.findFirst({ where: { flow: "PAY_FIRST" }, orderBy: { createdAt: "desc" } })) ?? undefined,
    "the reservation",
  );

await t.test("pick a time, pay, and only then is it booked in Calendly", async (t) => {
  const s = await openSession(t, browser, "pay-first");
  const { page } = s;
  await page.goto(demo.urls.liamProfile);
  await page.getByRole("link", { name: "Pay first, then book" }).click();
  await page.waitForURL(/\/builders\/liam\/book\?flow=pay-first$/);
  await waitForState(page, "pick-time");
  t.equal(await widget(page).locator("iframe").count(), 0, "no Calendly page is embedded");
  await s.shot("pick-time");

  const eventsBefore = fakeCalendly.events.length;
  await reserveFirstTime(page, undefined, { "What would you like to build?": "A booking marketplace" });
  await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/checkout/`), { timeout: 20_000 });
  t.equal(plain(await page.locator("#amount").textContent()), "$150.00", "the server-side price");
  await s.shot("checkout");
  const booking = await latestPayFirst();
  t.match(booking, { status: "PENDING_PAYMENT", calendlyEventUri: null }, "reserved, not booked");
  t.equal(fakeCalendly.events.length, eventsBefore, "at checkout, Calendly has no new event");
  t.equal(ours(booking.id).length, 0, "and no invitee of ours: Calendly has sent no confirmation");

  await page.locator("#pay").click();
  await page.waitForURL((url) => url.pathname === "/booking/confirmed", { timeout: 20_000 });
  await waitForState(page, "confirmed", 30_000);
  t.equal(plain(await page.locator("h1").textContent()), "You're booked");
  const booked = ours(booking.id);
  t.equal(booked.length, 1, "after payment, exactly one Calendly booking");
  const paid = await db().payment.findFirstOrThrow({ where: { bookingId: booking.id } });
  t.ok(Date.parse(booked[0]!.created_at) >= paid.paidAt!.getTime(), "Calendly's booking was made after the payment");
  t.same(
    booked[0]!.questions_and_answers.map((q) => q.answer),
    ["A booking marketplace"],
    "the answer given before payment reached Calendly",
  );
  const proof = page.locator("[data-calendly-proof]");
  await proof.waitFor({ state: "visible" });
  await eventually(async () => /after the payment/.test((await proof.textContent()) ?? ""), "the sandbox proof");
  await s.shot("confirmed");
  s.assertClean();
});

await t.test("the time is taken directly in Calendly while the visitor pays: another time, payment held", async (t) => {
  const s = await openSession(t, browser, "pay-first-race");
  const { page } = s;
  await page.goto(`${demo.urls.liamBooking}?flow=pay-first`);
  await waitForState(page, "pick-time");
  await reserveFirstTime(page, { name: "Katherine Johnson", email: "katherine@example.com" });
  await page.waitForURL((url) => url.href.startsWith(`${demo.urls.sandboxStripe}/checkout/`), { timeout: 20_000 });
  const booking = await latestPayFirst();
  await fakeCalendly.takeSlot({ user: "liam-buildappswith", eventSlug: "build-session", startTime: booking.startTime });

  await page.locator("#pay").click();
  await page.waitForURL((url) => url.pathname === "/booking/confirmed", { timeout: 20_000 });
  await waitForState(page, "needs-new-time", 30_000);
  t.match(
    await widgetTextMatching(page, /pick another time/i),
    /payment is held/i,
    "the visitor is told the payment is held",
  );
  await s.shot("needs-new-time");
  const held = await db().payment.findFirstOrThrow({ where: { bookingId: booking.id } });
  t.match(held, { status: "PAID", amountRefunded: 0 }, "the payment is held, not refunded");

  const time = widget(page).getByRole("listbox").getByRole("option").first();
  await time.waitFor();
  await time.click();
  await widget(page).getByRole("button", { name: "Book this time" }).click();
  await waitForState(page, "confirmed", 30_000);
  const confirmed = await db().booking.findUniqueOrThrow({ where: { id: booking.id } });
  t.not(confirmed.startTime.getTime(), booking.startTime.getTime(), "booked at the new time");
  t.equal(ours(booking.id).length, 1, "one Calendly booking of ours");
  t.equal(
    (await db().payment.findFirstOrThrow({ where: { bookingId: booking.id } })).amountRefunded,
    0,
    "paid once, kept once",
  );
  await s.shot("rebooked");
  s.assertClean();
});
