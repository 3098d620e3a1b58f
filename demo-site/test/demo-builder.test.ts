// 3. A demo builder: the element says the profile can't be booked, shows no calendar, and
// nothing reaches the Calendly or Stripe fakes.
import t from "tap";
import {
  launchBrowser,
  openSession,
  plain,
  startTestDemo,
  waitForState,
  widget,
  widgetTextMatching,
} from "./helpers/e2e.js";

const demo = await startTestDemo(t);
const browser = await launchBrowser(t);
const s = await openSession(t, browser, "demo-builder");
const { page } = s;
const fakes = demo.fakes;
const calendlyBefore = fakes.calendly!.requests.length;
const stripeBefore = fakes.stripe!.requests.length;

await t.test("a demo profile is marked as a demo", async (t) => {
  await page.goto(demo.urls.marketplace);
  await page.locator('.builder-card[data-builder="ada-fernandez"] a').click();
  await page.waitForURL(/\/builders\/ada-fernandez$/);
  t.equal(await page.locator("h1 .badge-demo").count(), 1, "the profile carries the demo badge");
  t.match(plain(await page.locator(".session-card").textContent()), /demo profile/i, "and says it can't be booked");
  await s.shot("profile");
});

await t.test("its booking page shows the non-bookable message, with no calendar", async (t) => {
  await page.getByRole("link", { name: "See the booking page" }).click();
  await page.waitForURL(/\/builders\/ada-fernandez\/book$/);
  await waitForState(page, "demo");
  const text = await widgetTextMatching(page, /Ada Fernández is a demo profile and can't be booked/);
  t.match(text, /Ada Fernández is a demo profile and can't be booked/, "the element explains why");
  t.equal(await widget(page).locator("iframe").count(), 0, "no iframe in the element");
  t.equal(page.frames().length, 1, "no frame on the page at all");
  t.ok(await widget(page).getByRole("link", { name: "Browse builders" }).isVisible(), "a way back to the list");
  await s.shot("demo");

  // Give a stray request time to show up before counting.
  await page.waitForTimeout(500);
  const calendlyOrigin = new URL(demo.urls.sandboxCalendly!).origin;
  const stripeOrigin = new URL(demo.urls.sandboxStripe!).origin;
  const toFakes = s.requests.filter((url) => url.startsWith(calendlyOrigin) || url.startsWith(stripeOrigin));
  t.same(toFakes, [], "the browser sent nothing to the Calendly or Stripe fakes");
  t.equal(fakes.calendly!.requests.length - calendlyBefore, 0, "the Calendly fake logged no request");
  t.equal(fakes.stripe!.requests.length - stripeBefore, 0, "the Stripe fake logged no request");
  t.notOk(
    s.requests.some((url) => url.includes("/v1/booking-attempts")),
    "no booking attempt was started for a demo builder",
  );
  t.same(
    s.states.filter((x) => x.path.endsWith("/book")).map((x) => x.state),
    ["loading", "demo"],
    "the element went from loading straight to demo",
  );
});

s.assertClean();
