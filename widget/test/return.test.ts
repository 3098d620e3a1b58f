import { expect } from "@esm-bundle/chai";
import {
  $,
  $$,
  attrs,
  bookable,
  booking,
  calendarReady,
  control,
  events,
  MockApi,
  mount,
  text,
  unmountAll,
  waitForEvent,
  waitForState,
} from "./helpers.js";

const start = location.href;
/** Pretends Stripe sent the visitor back to this page with `query`. */
const returnWith = (query: string) => history.replaceState(null, "", `${location.pathname}?${query}`);

afterEach(() => {
  unmountAll();
  history.replaceState(null, "", start);
});

const confirmedBooking = booking({ startTime: "2030-03-14T15:30:00+01:00" });

describe("on return from checkout", () => {
  it("goes straight to confirming (no config, no calendar) and shows builder, local time and amount paid", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": [
        { body: booking({ status: "PENDING_PAYMENT" }) },
        { body: confirmedBooking },
      ],
    });
    returnWith("baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_secret&session_id=cs_test_1&other=kept");
    const el = mount(attrs(api));
    expect(el.getAttribute("state")).to.equal("confirming");
    await waitForState(el, "confirmed");

    const log = await api.log();
    expect(log.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001",
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001",
    ]);
    expect(log[0].authorization).to.equal("Bearer tok_secret");
    expect(log[0].siteKey).to.equal("pk_test_1");

    const summary = $(el, "[part=summary]")!;
    const dd = $$(el, "dd").map((d) => d.textContent!.trim());
    expect(dd[0]).to.equal("Liam Builder");
    expect(dd[1]).to.equal("1:1 session, 60 minutes");
    const startTime = new Date("2030-03-14T15:30:00+01:00");
    const expected = new Intl.DateTimeFormat("en", {
      weekday: "long",
      year: "numeric",
      month: "long",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      timeZoneName: "short",
    }).format(startTime);
    expect(dd[2]).to.equal(expected);
    // The visitor's own clock, whatever the browser's zone: the hour shown is the local hour.
    const localHour = startTime.getHours() % 12 || 12;
    expect(dd[2]).to.match(new RegExp(`\\b${localHour}:30\\b`));
    expect(dd[3]).to.equal("$60.00");
    expect(summary !== null, "a summary").to.equal(true);
    const confirmed = await waitForEvent(el, "baw-booking-confirmed");
    expect(confirmed.detail.booking.id).to.equal("b0000000-0000-4000-8000-000000000001");
    expect(events(el, "baw-state-change").map((e) => e.detail.state)).to.deep.equal(["confirming", "confirmed"]);
  });

  it("finds the booking by Stripe's session_id alone", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/by-checkout-session/cs_test_a1B2c3D4": {
        body: booking({ amountPaid: { amount: 1250, currency: "eur" } }),
      },
    });
    returnWith("session_id=cs_test_a1B2c3D4");
    const el = mount(attrs(api, { locale: "en-US" }));
    await waitForState(el, "confirmed");
    expect(text(el)).to.contain("€12.50");
  });

  it("takes the booking from attributes too", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-0000000000a7": {
        body: booking({ id: "b0000000-0000-4000-8000-0000000000a7" }),
      },
    });
    const el = mount(attrs(api, { "booking-id": "b0000000-0000-4000-8000-0000000000a7", "booking-token": "tok_attr" }));
    await waitForState(el, "confirmed");
    const [get] = await api.log();
    expect(get.authorization).to.equal("Bearer tok_attr");
  });

  it("shows 'Payment not completed' with Return to checkout while the hold lasts", async () => {
    const hold = new Date(Date.now() + 20 * 60_000).toISOString();
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": {
        body: booking({
          status: "PENDING_PAYMENT",
          amountPaid: { amount: 0, currency: "usd" },
          holdExpiresAt: hold,
          checkoutUrl: "https://checkout.example/c/pay/cs_again",
        }),
      },
    });
    returnWith("baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_1&baw_checkout=cancelled");
    const targets: string[] = [];
    const el = mount(attrs(api), (e) => {
      e.navigate = (url) => {
        targets.push(url);
        return true;
      };
    });
    await waitForState(el, "payment-cancelled");
    expect(text(el)).to.contain("Payment not completed");
    const time = new Intl.DateTimeFormat("en", { timeStyle: "short" }).format(new Date(hold));
    expect(text(el)).to.contain(`until ${time}`);
    expect((await api.log()).length, "a cancelled checkout is not polled").to.equal(1);
    control(el, "Return to checkout")!.click();
    expect(targets).to.deep.equal(["https://checkout.example/c/pay/cs_again"]);
    expect(events(el, "baw-checkout-redirect")[0].detail.checkoutUrl).to.equal(
      "https://checkout.example/c/pay/cs_again",
    );
  });

  it("turns payment-cancelled into hold-expired when the hold runs out", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": {
        body: booking({
          status: "PENDING_PAYMENT",
          holdExpiresAt: new Date(Date.now() + 600).toISOString(),
          checkoutUrl: "https://checkout.example/c/pay/cs_again",
        }),
      },
    });
    returnWith("baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_1&baw_checkout=cancelled");
    const el = mount(attrs(api));
    await waitForState(el, "payment-cancelled");
    await waitForState(el, "hold-expired", 3000);
  });

  it("hold expired: offers Book another time, which restarts at the calendar and forgets the return URL", async () => {
    const api = await new MockApi().setup({
      ...bookable(),
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": {
        body: booking({ status: "EXPIRED", amountPaid: { amount: 0, currency: "usd" } }),
      },
    });
    returnWith("baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_1&baw_checkout=cancelled&keep=1");
    const el = mount(attrs(api));
    await waitForState(el, "hold-expired");
    expect(text(el)).to.contain("Hold expired");
    control(el, "Book another time")!.click();
    await calendarReady(el);
    expect(location.search).to.equal("?keep=1");
    const [att] = await api.requests("POST", "/v1/booking-attempts");
    expect((att.body as { sessionTypeId: string }).sessionTypeId).to.equal("5e000000-0000-4000-8000-000000000060");
  });

  it("payment failed: says so and offers another time", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking({ status: "FAILED" }) },
    });
    returnWith("baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_1");
    const el = mount(attrs(api));
    await waitForState(el, "payment-failed");
    expect(control(el, "Book another time")).to.not.equal(undefined);
  });

  it("polls with backoff until the confirm timeout, then errors with Retry", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking({ status: "PENDING_PAYMENT" }) },
    });
    returnWith("baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_1");
    const el = mount(attrs(api), (e) => {
      e.timeouts = { confirm: 1500 };
    });
    await waitForEvent(el, "baw-error", 1, 4000);
    const gets = await api.requests("GET", "/v1/bookings/b0000000-0000-4000-8000-000000000001");
    // 0 s, 0.5 s, 1.3 s: backoff 0.5 × 1.6, not a tight loop.
    expect(gets.length).to.be.within(2, 4);
    expect(events(el, "baw-error")[0].detail).to.deep.include({
      code: "confirm_timeout",
      retryable: true,
      state: "confirming",
    });
    await api.setup({ "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body: booking() } });
    control(el, "Retry")!.click();
    await waitForState(el, "confirmed");
  });

  it("a wrong token (404) is an error without retry", async () => {
    const api = await new MockApi().setup({
      "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": {
        status: 404,
        body: {
          statusCode: 404,
          error: "booking_not_found",
          message: "No booking b0000000-0000-4000-8000-000000000001 for this token.",
        },
      },
    });
    returnWith("baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=nope");
    const el = mount(attrs(api));
    await waitForEvent(el, "baw-error");
    expect(text(el)).to.contain("No booking b0000000-0000-4000-8000-000000000001 for this token.");
    expect(control(el, "Retry")).to.equal(undefined);
    expect(await api.log(), "no retry loop").to.have.length(1);
  });
});
