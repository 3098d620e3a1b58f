// "Open in Calendly" is no way around payment, in Chromium against the demo: the embedded calendar
// fails, the visitor opens Calendly's own page in a new tab and books there, and the original tab,
// which watched the attempt, goes on to the sandbox Checkout. Screenshots of every step.
import type { FrameLocator } from "playwright-core";
import t from "tap";
import {
  launchBrowser,
  openSession,
  plain,
  scheduleFirstSlot,
  startTestDemo,
  waitForState,
  widget,
  widgetText,
  widgetTextMatching,
} from "./helpers/e2e.js";

const demo = await startTestDemo(t);
const browser = await launchBrowser(t);
const calendlyOrigin = new URL(demo.urls.sandboxCalendly!).origin;
const stripeOrigin = new URL(demo.urls.sandboxStripe!).origin;

await t.test("booked in Calendly's own tab, the original tab continues to Checkout", async (t) => {
  const s = await openSession(t, browser, "open-in-calendly", {
    expected: [
      { text: /Failed to load resource|ERR_CONNECTION_REFUSED/, why: "the embedded calendar is made to fail" },
    ],
  });
  const { page, context } = s;
  // Only the embed fails (its URL carries embed_type); Calendly's own page in a tab still works.
  await page.route(
    (url) => url.origin === calendlyOrigin && url.searchParams.has("embed_type"),
    (route) => route.abort("connectionrefused"),
  );
  await page.goto(demo.urls.liamBooking);
  await waitForState(page, "error", 20_000);
  t.match(
    await widgetTextMatching(page, /The calendar can't be reached right now\./),
    /The calendar can't be reached right now\./,
  );
  await s.shot("calendar-failed", page);

  const [tab] = await Promise.all([
    context.waitForEvent("page"),
    widget(page).getByRole("link", { name: "Open in Calendly" }).click(),
  ]);
  await waitForState(page, "calendar");
  t.match(
    await widgetText(page),
    /Pick your time in the Calendly tab\. Once it's booked, payment continues here\./,
    "the original tab says it waits for the booking in the other tab",
  );
  t.equal(await widget(page).locator("iframe").count(), 0, "no frame while the visitor books elsewhere");
  await s.shot("watching", page);

  await tab.waitForLoadState();
  const attemptId = new URL(tab.url()).searchParams.get("utm_content");
  t.match(attemptId, /^att_/, "Calendly's own page carries the attempt id");
  // The same sandbox page as in the frame, here as a page of its own (only `locator` is used).
  await scheduleFirstSlot(tab as unknown as FrameLocator, { name: "Tab Hopper", email: "tab.hopper@example.com" });
  await s.shot("booked-in-calendly-tab", tab);

  await page.waitForURL((url) => url.origin === stripeOrigin, { timeout: 30_000 });
  const text = plain(await page.locator("main").textContent());
  t.match(text, /Liam/, "the sandbox Checkout for Liam's session");
  t.match(text, /60 minutes/, "the session that was booked in the other tab");
  await s.shot("checkout", page);
  t.same(
    s.states.filter((x) => x.path !== "/booking/confirmed").map((x) => x.state),
    ["loading", "calendar", "error", "calendar", "creating-checkout", "redirecting"],
    "error → watching → checkout, in the original tab",
  );
  s.assertClean();
});
