// Pay first, back from checkout: paid and being booked in Calendly (SCHEDULING), the time taken
// meanwhile (NEEDS_NEW_TIME: pick another, rebook), and a payment refunded in full.
import { expect } from "@esm-bundle/chai";
import {
  $,
  $$,
  attrs,
  availableTimes,
  axeViolations,
  booking,
  control,
  events,
  MockApi,
  mount,
  type Route,
  text,
  unmountAll,
  waitFor,
  waitForEvent,
  waitForState,
} from "./helpers.js";

afterEach(() => unmountAll());

const ID = "b0000000-0000-4000-8000-000000000001";
const BOOKING = `GET /v1/bookings/${ID}`;
const TIMES = "GET /v1/builders/1a000000-0000-4000-8000-000000000001/available-times";
const REBOOK = `POST /v1/bookings/${ID}/rebook`;

const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const step = (from: string | null, to: string, cause: string) => ({ from, to, cause, at: at(-60_000) });
const payFirst = (status: string, over: Record<string, unknown> = {}) =>
  booking({ status: status as never, flow: "pay-first", ...over });
const rebookBy = at(30 * 60_000);
const takenHistory = [
  step(null, "PENDING_PAYMENT", "reservation"),
  step("PENDING_PAYMENT", "SCHEDULING", "payment"),
  step("SCHEDULING", "NEEDS_NEW_TIME", "slot_taken"),
];
const needsNewTime = () => ({
  body: payFirst("NEEDS_NEW_TIME", { rebookBy, history: takenHistory, amountPaid: { amount: 6000, currency: "usd" } }),
});
const conflict = (error: string, message: string): Route => ({
  status: 409,
  body: { statusCode: 409, error, message },
});

/** The element on the return page, with the booking's id and token. */
const returned = (api: MockApi, timeouts: Record<string, number> = {}) =>
  mount(attrs(api, { "booking-id": ID, "booking-token": "tok_1" }), (el) => {
    el.timeouts = { ...el.timeouts, ...timeouts };
  });

const options = (el: HTMLElement) => $$(el, "[role=option]");

describe("pay first after checkout", () => {
  it("SCHEDULING: says the payment is received while the time is booked, then the confirmation", async () => {
    const api = await new MockApi().setup({
      [BOOKING]: [{ body: payFirst("SCHEDULING") }, { body: payFirst("SCHEDULING") }, { body: payFirst("CONFIRMED") }],
    });
    const el = returned(api);
    await waitForState(el, "scheduling");
    expect($(el, "h2")!.textContent).to.equal("Payment received — confirming your time with Liam Builder…");
    expect($(el, "[role=status]")!.getAttribute("aria-live")).to.equal("polite");
    await waitForState(el, "confirmed", 10_000);
    await waitForEvent(el, "baw-booking-confirmed");
    expect(text(el)).to.contain("You're booked");
    expect((await api.requests("GET", `/v1/bookings/${ID}`)).every((r) => r.authorization === "Bearer tok_1")).to.equal(
      true,
    );
  });

  it("SCHEDULING for too long: a clear error with Retry, never a spinner forever", async () => {
    const api = await new MockApi().setup({ [BOOKING]: { body: payFirst("SCHEDULING") } });
    const el = returned(api, { scheduling: 1500 });
    await waitForState(el, "scheduling");
    await waitForState(el, "error", 8000);
    const error = await waitForEvent(el, "baw-error");
    expect(error.detail).to.include({ code: "scheduling_timeout", retryable: true, state: "scheduling" });
    await waitFor(() => text(el).includes("We have your payment"), "the error's words");
    expect($(el, "progress"), "no spinner").to.equal(null);
    control(el, "Retry")!.click();
    await waitForState(el, "scheduling");
  });

  it("NEEDS_NEW_TIME: explains the payment is held, offers other times, and rebooks with the booking's token", async () => {
    const api = await new MockApi().setup({
      [BOOKING]: [needsNewTime(), { body: payFirst("CONFIRMED") }],
      [TIMES]: { body: availableTimes() },
      [REBOOK]: { body: payFirst("SCHEDULING", { startTime: availableTimes().times[1]!.startTime }) },
    });
    const el = returned(api);
    await waitForState(el, "needs-new-time");
    await waitFor(() => options(el).length, "the times");
    expect($(el, "h2")!.textContent).to.equal("Please pick another time");
    expect(text(el)).to.contain("Your time with Liam Builder was taken before it could be booked.");
    const zone = $<HTMLSelectElement>(el, "select[part=zone]")!.value;
    const by = new Intl.DateTimeFormat("en", {
      weekday: "long",
      month: "long",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      timeZoneName: "short",
      timeZone: zone,
    }).format(new Date(rebookBy));
    expect(text(el)).to.contain(`Your payment is held until ${by}`);
    expect(await axeViolations(el), "needs-new-time").to.deep.equal([]);
    const [get] = await api.requests("GET", /available-times$/);
    expect(new URLSearchParams(get!.query).get("sessionTypeId")).to.equal("5e000000-0000-4000-8000-000000000060");

    options(el)[1]!.click();
    await el.updateComplete;
    control(el, "Book this time")!.click();
    await waitForState(el, "confirmed", 10_000);
    const [post] = await api.requests("POST", `/v1/bookings/${ID}/rebook`);
    expect(post!.authorization).to.equal("Bearer tok_1");
    expect(post!.body).to.deep.equal({ startTime: availableTimes().times[1]!.startTime });
    const states = events(el, "baw-state-change").map((e) => e.detail.state);
    expect(states).to.deep.equal(["confirming", "needs-new-time", "rebooking", "scheduling", "confirmed"]);
  });

  it("NEEDS_NEW_TIME, the new time taken too: fresh times and says so", async () => {
    const api = await new MockApi().setup({
      [BOOKING]: needsNewTime(),
      [TIMES]: { body: availableTimes() },
      [REBOOK]: conflict("slot_unavailable", "startTime: is no longer available"),
    });
    const el = returned(api);
    await waitFor(() => options(el).length, "the times");
    options(el)[0]!.click();
    await el.updateComplete;
    control(el, "Book this time")!.click();
    await waitFor(() => text(el).includes("That time was just taken. Please pick another."), "the message");
    expect(el.getAttribute("state")).to.equal("needs-new-time");
    await waitFor(() => options(el).length, "the fresh times");
    expect(await api.requests("GET", /available-times$/)).to.have.length(2);
  });

  it("NEEDS_NEW_TIME, too late to rebook: says the payment is being refunded in full", async () => {
    const api = await new MockApi().setup({
      [BOOKING]: needsNewTime(),
      [TIMES]: { body: availableTimes() },
      [REBOOK]: conflict("rebook_window_closed", "The time to rebook has passed."),
    });
    const el = returned(api);
    await waitFor(() => options(el).length, "the times");
    options(el)[0]!.click();
    await el.updateComplete;
    control(el, "Book this time")!.click();
    await waitForState(el, "refunded");
    expect($(el, "h2")!.textContent).to.equal("No session booked");
    expect(text(el)).to.contain("Your payment is being refunded in full.");
    expect(control(el, "Book another time")).to.not.equal(undefined);
    expect(events(el, "baw-error")).to.have.length(0);
  });

  it("REFUNDED, never booked in Calendly: refunded in full, and a way to book again", async () => {
    const history = [...takenHistory, step("NEEDS_NEW_TIME", "CANCELLED", "rebook_window_closed")];
    history.push(step("CANCELLED", "REFUNDED", "refund"));
    const api = await new MockApi().setup({
      [BOOKING]: { body: payFirst("REFUNDED", { history, amountRefunded: { amount: 6000, currency: "usd" } }) },
    });
    const el = returned(api);
    await waitForState(el, "refunded");
    expect(text(el)).to.contain("Your payment has been refunded in full.");
    expect(await axeViolations(el), "refunded").to.deep.equal([]);
  });

  it("speaks German after checkout too", async () => {
    const api = await new MockApi().setup({ [BOOKING]: { body: payFirst("SCHEDULING") } });
    const el = mount(attrs(api, { "booking-id": ID, "booking-token": "tok_1", locale: "de" }));
    await waitForState(el, "scheduling");
    await waitFor(
      () => $(el, "h2")!.textContent === "Zahlung erhalten – deine Zeit mit Liam Builder wird bestätigt…",
      "German",
    );
  });
});
