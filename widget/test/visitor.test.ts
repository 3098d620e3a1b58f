// What a visitor sees when Calendly fails, the connection drops, or the service limits requests.
import { expect } from "@esm-bundle/chai";
import {
  $,
  attrs,
  bookable,
  booking,
  CALENDLY_ORIGIN,
  calendarReady,
  config,
  control,
  events,
  frame,
  MockApi,
  mount,
  text,
  unmountAll,
  waitFor,
  waitForEvent,
  waitForState,
} from "./helpers.js";

const start = location.href;
const onLine = Object.getOwnPropertyDescriptor(Navigator.prototype, "onLine")!;

/** Pretends the browser lost (or regained) its connection, as Chromium reports it. */
function setOnline(online: boolean): void {
  Object.defineProperty(navigator, "onLine", { configurable: true, get: () => online });
  dispatchEvent(new Event(online ? "online" : "offline"));
}

afterEach(() => {
  unmountAll();
  history.replaceState(null, "", start);
  delete (navigator as { onLine?: boolean }).onLine;
  Object.defineProperty(Navigator.prototype, "onLine", onLine);
});

const attemptAt = (calendlyUrl: string) => ({
  status: 201,
  body: { attemptId: "att_1", calendlyUrl, expiresAt: new Date(Date.now() + 3600_000).toISOString() },
});

describe("a failing Calendly", () => {
  it("keeps the frame hidden behind the element's own loading state until Calendly speaks", async () => {
    const silent = `${CALENDLY_ORIGIN}/test/fixtures/fake-calendly.html?utm_content=att_1&silent=1`;
    const quiet = await new MockApi().setup(bookable({ "POST /v1/booking-attempts": attemptAt(silent) }));
    const waiting = mount(attrs(quiet), (e) => {
      e.timeouts = { ready: 5000, afterLoad: 5000 };
    });
    await waitFor(() => frame(waiting), "iframe");
    await waiting.updateComplete;
    expect(getComputedStyle(frame(waiting)!).visibility).to.equal("hidden");
    expect(text(waiting)).to.contain("Loading the calendar…");
    unmountAll();

    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api));
    await calendarReady(el);
    await el.updateComplete;
    expect(getComputedStyle(frame(el)!).visibility).to.equal("visible");
    expect(text(el)).to.not.contain("Loading the calendar");
  });

  it("says it is taking longer than usual well before the timeout", async () => {
    const silent = `${CALENDLY_ORIGIN}/test/fixtures/fake-calendly.html?utm_content=att_1&silent=1`;
    const api = await new MockApi().setup(bookable({ "POST /v1/booking-attempts": attemptAt(silent) }));
    const el = mount(attrs(api), (e) => {
      e.timeouts = { slow: 200, ready: 5000, afterLoad: 5000 };
    });
    await waitFor(() => text(el).includes("taking longer than usual"), "the slow message");
    expect(el.state).to.equal("calendar");
    expect(events(el, "baw-error")).to.have.length(0);
  });

  const broken: [string, (api: MockApi) => string][] = [
    ["an unreachable Calendly host", () => "http://127.0.0.1:9/liam/60min?utm_content=att_1"],
    ["Calendly answering 503", (api) => `${api.base}/calendly-503?utm_content=att_1`],
  ];
  for (const [what, url] of broken) {
    it(`${what}: ends in error once the frame has loaded without a word, long before the ready timeout`, async () => {
      const api = new MockApi();
      await api.setup(
        bookable({
          "POST /v1/booking-attempts": attemptAt(url(api)),
          "GET /calendly-503": { status: 503, body: { error: "Service Unavailable" } },
        }),
      );
      const el = mount(attrs(api), (e) => {
        e.timeouts = { ready: 60_000, afterLoad: 300 };
      });
      await waitForEvent(el, "baw-error", 1, 6000);
      expect(events(el, "baw-error")[0].detail).to.deep.include({ code: "calendar_unavailable", state: "calendar" });
      expect(text(el)).to.contain("The calendar can't be reached right now.");
      expect(control(el, "Retry")).to.not.equal(undefined);
    });
  }
});

describe("offline on return from checkout", () => {
  it("says so at once, tells what is known about the money, polls nothing, and resumes when back online", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking() },
    });
    history.replaceState(
      null,
      "",
      `${location.pathname}?baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_1`,
    );
    setOnline(false);
    const el = mount(attrs(api));
    await el.updateComplete;
    expect(el.state).to.equal("confirming");
    expect(text(el)).to.contain("You're offline.");
    expect(text(el)).to.contain("We don't know yet if your payment went through");
    await new Promise((r) => setTimeout(r, 200));
    expect(await api.log(), "no request while offline").to.have.length(0);
    setOnline(true);
    await waitForState(el, "confirmed");
    expect(await api.log()).to.have.length(1);
  });

  it("drops offline while confirming: stops polling and resumes on its own", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking({ status: "PENDING_PAYMENT" }) },
    });
    history.replaceState(
      null,
      "",
      `${location.pathname}?baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_1`,
    );
    const el = mount(attrs(api));
    while ((await api.log()).length === 0) await new Promise((r) => setTimeout(r, 20)); // the first poll
    setOnline(false);
    await el.updateComplete;
    expect(text(el)).to.contain("You're offline.");
    await api.setup({ "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking() } });
    setOnline(true);
    await waitForState(el, "confirmed");
  });

  it("an error while confirming always says what is known about the money", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking({ status: "PENDING_PAYMENT" }) },
    });
    history.replaceState(
      null,
      "",
      `${location.pathname}?baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_1`,
    );
    const el = mount(attrs(api), (e) => {
      e.timeouts = { confirm: 600 };
    });
    await waitForEvent(el, "baw-error");
    expect(text(el)).to.contain("Confirming the payment is taking too long.");
    expect(text(el)).to.contain("if it came too late, it's refunded in full");
  });
});

describe("rate limited", () => {
  it("speaks plainly, keeps Retry disabled while counting down Retry-After, then recovers", async () => {
    const api = await new MockApi().setup(
      bookable({
        "GET /v1/builders/liam/booking-config": [
          {
            status: 429,
            headers: { "retry-after": "2" },
            body: {
              statusCode: 429,
              error: "rate_limited",
              message: "Too many requests: the limit is 120 per 1 minute; retry after 2 s",
              retryable: true,
            },
          },
          { body: config() },
        ],
      }),
    );
    const el = mount(attrs(api));
    await waitForEvent(el, "baw-error");
    expect(text(el)).to.contain("Too many requests right now. Please wait a moment.");
    expect(text(el)).to.not.contain("the limit is");
    const retry = () => $<HTMLButtonElement>(el, "button[part=button]")!;
    expect(retry().disabled).to.equal(true);
    expect(retry().textContent).to.equal("Retry in 2 s");
    await waitFor(() => retry().textContent === "Retry in 1 s", "the countdown", 3000);
    await waitFor(() => !retry().disabled, "Retry enabled", 3000);
    expect(retry().textContent).to.equal("Retry");
    retry().click();
    await calendarReady(el);
  });
});
