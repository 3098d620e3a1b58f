import { expect } from "@esm-bundle/chai";
import { sendKeys } from "@web/test-runner-commands";
import {
  $,
  attrs,
  axeViolations,
  bookable,
  booking,
  calendarReady,
  config,
  control,
  MockApi,
  mount,
  sessionType,
  text,
  unmountAll,
  waitFor,
  waitForEvent,
  waitForState,
} from "./helpers.js";

const start = location.href;
afterEach(() => {
  unmountAll();
  history.replaceState(null, "", start);
});

/** The element inside the shadow root that has focus, if any. */
const focused = (el: HTMLElement) => el.shadowRoot!.activeElement as HTMLElement | null;

describe("accessibility", () => {
  it("is axe-clean in the calendar, choice, demo, error, auth, confirmed and payment-cancelled states", async () => {
    const two = config({
      sessionTypes: [
        sessionType("5e000000-0000-4000-8000-000000000030", "Quick call"),
        sessionType("5e000000-0000-4000-8000-000000000060", "Deep dive"),
      ],
    });
    const cases: [string, Record<string, unknown>, string][] = [
      ["calendar", bookable(), "calendar"],
      ["choice", bookable({ "GET /v1/builders/liam/booking-config": { body: two } }), "choose-session-type"],
      ["demo", { "GET /v1/builders/liam/booking-config": { body: config({ state: "demo" }) } }, "demo"],
      [
        "error",
        {
          "GET /v1/builders/liam/booking-config": {
            status: 500,
            body: { statusCode: 500, error: "x", message: "Down." },
          },
        },
        "error",
      ],
      [
        "auth",
        { "GET /v1/builders/liam/booking-config": { body: config({ requiresCustomer: true }) } },
        "auth-required",
      ],
      [
        "rate limited (Retry disabled, counting down)",
        {
          "GET /v1/builders/liam/booking-config": {
            status: 429,
            headers: { "retry-after": "30" },
            body: { statusCode: 429, error: "rate_limited", message: "", retryable: true },
          },
        },
        "error",
      ],
    ];
    for (const [name, routes, state] of cases) {
      const api = await new MockApi().setup(routes as never);
      const el = mount(attrs(api));
      await waitForState(el, state as never);
      if (state === "calendar") await calendarReady(el);
      if (state === "error") await waitForEvent(el, "baw-error"); // the error view is on screen
      expect(await axeViolations(el), name).to.deep.equal([]);
      unmountAll();
    }
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking() },
    });
    const el = mount(attrs(api, { "booking-id": "b0000000-0000-4000-8000-000000000001", "booking-token": "t" }));
    await waitForState(el, "confirmed");
    expect(await axeViolations(el), "confirmed").to.deep.equal([]);
    unmountAll();

    const pending = booking({
      status: "PENDING_PAYMENT",
      holdExpiresAt: new Date(Date.now() + 600_000).toISOString(),
      checkoutUrl: "https://checkout.example/c/pay/cs_1",
    });
    const api2 = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: pending },
    });
    history.replaceState(
      null,
      "",
      `${location.pathname}?baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=t&baw_checkout=cancelled`,
    );
    const el2 = mount(attrs(api2));
    await waitForState(el2, "payment-cancelled");
    expect(await axeViolations(el2), "payment-cancelled").to.deep.equal([]);
  });

  it("does not steal focus on first load, and moves it to the new state's heading after an action", async () => {
    const api = await new MockApi().setup(
      bookable({
        "GET /v1/builders/liam/booking-config": [
          { status: 503, body: { statusCode: 503, error: "busy", message: "Busy.", retryable: true } },
          {
            body: config({
              sessionTypes: [
                sessionType("5e000000-0000-4000-8000-000000000030", "Quick call"),
                sessionType("5e000000-0000-4000-8000-000000000060", "Deep dive"),
              ],
            }),
          },
        ],
      }),
    );
    const outside = document.createElement("input");
    outside.setAttribute("aria-label", "outside");
    document.body.append(outside);
    outside.focus();
    try {
      const el = mount(attrs(api));
      await waitForEvent(el, "baw-error");
      expect(document.activeElement === outside, "first load leaves focus where it was").to.equal(true);

      control(el, "Retry")!.focus();
      await sendKeys({ press: "Enter" });
      await waitForState(el, "choose-session-type");
      // The heading keeps focus while the view loads (see start-views.ts).
      await waitFor(() => focused(el)?.textContent === "Choose a session", "focus on the choice's heading");
      expect(focused(el)?.tagName).to.equal("H2");

      await sendKeys({ press: "Tab" });
      expect(focused(el)?.textContent).to.contain("Quick call");
      await sendKeys({ press: "Tab" });
      expect(focused(el)?.textContent).to.contain("Deep dive");
      await sendKeys({ press: "Enter" });
      await waitForState(el, "calendar");
      await el.updateComplete;
      expect(focused(el)?.textContent).to.equal("Pick a time with Liam Builder");
    } finally {
      outside.remove();
    }
  });

  it("popup mode: a button opens a modal dialog, Escape closes it and focus returns to the button", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api, { mode: "popup" }));
    await waitForState(el, "calendar");
    const button = $<HTMLButtonElement>(el, "[part~=open-button]")!;
    const dialog = $<HTMLDialogElement>(el, "dialog")!;
    expect(dialog.open).to.equal(false);
    expect(el.shadowRoot!.querySelector("iframe") === null, "no calendar before it is opened").to.equal(true);
    expect(await api.requests("POST", "/v1/booking-attempts")).to.have.length(0);

    button.focus();
    await sendKeys({ press: "Enter" });
    expect(dialog.open).to.equal(true);
    expect(dialog.matches(":modal")).to.equal(true);
    await calendarReady(el);
    expect(dialog.contains(focused(el)), "focus is inside the dialog").to.equal(true);
    expect(await axeViolations(el)).to.deep.equal([]);

    await sendKeys({ press: "Escape" });
    await waitFor(() => !dialog.open, "the dialog to close");
    expect(focused(el) === button, "focus is back on the button").to.equal(true);

    await sendKeys({ press: "Space" });
    expect(dialog.open).to.equal(true);
    const close = $<HTMLButtonElement>(el, "[part~=close-button]")!;
    expect(close.getAttribute("aria-label")).to.equal("Close");
    close.focus();
    await sendKeys({ press: "Enter" });
    await waitFor(() => !dialog.open, "the dialog to close");
    expect(focused(el) === button, "focus is back on the button").to.equal(true);
  });

  it("popup mode opens itself when the visitor comes back from checkout", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking() },
    });
    history.replaceState(null, "", `${location.pathname}?baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=t`);
    const el = mount(attrs(api, { mode: "popup" }));
    await waitForState(el, "confirmed");
    await waitFor(() => $<HTMLDialogElement>(el, "dialog")!.open, "the dialog to open");
  });
});

describe("i18n", () => {
  it("speaks German with locale=de (text, dates and money), and switches back", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking() },
    });
    const el = mount(
      attrs(api, { locale: "de", "booking-id": "b0000000-0000-4000-8000-000000000001", "booking-token": "t" }),
    );
    await waitForState(el, "confirmed");
    await waitFor(() => text(el).includes("Du bist gebucht"), "German text");
    expect(text(el)).to.contain("Bezahlt");
    expect(text(el)).to.match(/60,00\s\$/); // de: comma decimals, symbol after
    expect(text(el)).to.match(/März 2030/);
    el.locale = "en";
    await el.updateComplete;
    expect(text(el)).to.contain("You're booked");
    expect(text(el)).to.contain("$60.00");
    expect(text(el)).to.match(/March 14, 2030/);
  });

  it("falls back to navigator.language, then English", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api));
    await calendarReady(el);
    const expected = navigator.language.toLowerCase().startsWith("de") ? "Zeit mit" : "Pick a time";
    expect(text(el)).to.contain(expected);
  });

  it("lets the host override any string", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api, { locale: "de" }), (e) => {
      e.strings = { calendarTitle: "Termin mit {name} aussuchen" };
    });
    await calendarReady(el);
    await waitFor(() => text(el).includes("Termin mit Liam Builder aussuchen"), "the override");
    expect(el.shadowRoot!.querySelector("iframe")!.title).to.equal("Termin mit Liam Builder aussuchen");
  });
});
