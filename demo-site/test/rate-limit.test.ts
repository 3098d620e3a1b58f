// Rate limited, in Chromium against the demo: a booking-page visit costs two calls (config and
// attempt), and past the limit the element speaks plainly and counts Retry down while the sandbox
// banner stays.
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

// Room for exactly one booking-page visit per window.
const demo = await startTestDemo(t, { RATE_LIMIT_MAX: "2", RATE_LIMIT_WINDOW_SECONDS: "60" });
const browser = await launchBrowser(t);
const api = new URL(demo.urls.api).origin;

await t.test("a booking-page visit costs two calls to the service", async (t) => {
  const s = await openSession(t, browser, "rate-limit-visit");
  await s.page.goto(demo.urls.liamBooking);
  await waitForState(s.page, "calendar");
  await s.page.waitForLoadState("networkidle");
  const calls = s.requests.filter((url) => new URL(url).origin === api).map((url) => new URL(url).pathname);
  t.same(calls, ["/v1/builders/liam/booking-config", "/v1/booking-attempts"], "config once, then the attempt");
  await s.shot("calendar");
  s.assertClean();
});

await t.test("past the limit: plain words, Retry disabled and counting down, the banner still there", async (t) => {
  const s = await openSession(t, browser, "rate-limited", {
    expected: [{ text: /Failed to load resource.*429/, why: "the service refuses on purpose" }],
  });
  const { page } = s;
  await page.goto(demo.urls.liamBooking);
  await waitForState(page, "error");
  const text = await widgetTextMatching(page, /Too many requests right now/);
  t.match(text, /Too many requests right now\. Please wait a moment\./, "plain words");
  t.notMatch(text, /the limit is|retry after/, "no developer wording");
  const retry = widget(page).locator("button[part=button]");
  t.ok(await retry.isDisabled(), "Retry is disabled while it cannot succeed");
  const label = plain(await retry.textContent());
  const seconds = Number(/^Retry in (\d+) s$/.exec(label)?.[1]);
  t.ok(seconds > 0 && seconds <= 60, `it counts down from Retry-After (${label})`);
  await page.waitForFunction(
    (before) => {
      const button = document.querySelector("baw-book-builder")?.shadowRoot?.querySelector("button[part=button]");
      const now = Number(/(\d+)/.exec(button?.textContent ?? "")?.[1]);
      return now < before;
    },
    seconds,
    { timeout: 5000 },
  );
  t.ok(await page.locator("#sandbox-banner").isVisible(), "the sandbox banner stays");
  t.match(plain(await page.locator("#sandbox-banner").textContent()), /Sandbox mode/);
  await s.shot("rate-limited");
  s.assertClean();
});
