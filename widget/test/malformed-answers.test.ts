// Whatever the service answers and whatever throws, the element ends in `error` with baw-error: it never spins.
import { expect } from "@esm-bundle/chai";
import type { BawBookBuilder } from "../src/baw-book-builder.js";
import {
  attrs,
  bookable,
  booking,
  calendarReady,
  config,
  created,
  events,
  MockApi,
  mount,
  type Routes,
  schedule,
  text,
  unmountAll,
  waitForEvent,
} from "./helpers.js";

const start = location.href;
afterEach(() => {
  unmountAll();
  history.replaceState(null, "", start);
});

async function expectError(el: BawBookBuilder, code: string, state: string): Promise<void> {
  await waitForEvent(el, "baw-error");
  expect(el.getAttribute("state")).to.equal("error");
  const errors = events(el, "baw-error");
  expect(errors, "one baw-error").to.have.length(1);
  expect(errors[0].detail).to.deep.include({ code, state });
  expect(text(el)).to.contain("Something went wrong");
}

const { sessionTypes: _, ...configWithoutSessionTypes } = config();

const malformedConfigs: [string, unknown][] = [
  ["a config without sessionTypes", configWithoutSessionTypes],
  ["a config whose sessionTypes is not a list", config({ sessionTypes: {} as never })],
  ["a session type without a price", config({ sessionTypes: [{ id: "st", name: "x", durationMinutes: 60 } as never] })],
  ["null", null],
  ["a string", "<html>Bad gateway</html>"],
  ["a list", []],
  ["an unknown state", config({ state: "open" as never })],
];

describe("malformed service answers", () => {
  for (const [what, body] of malformedConfigs) {
    it(`booking-config: ${what}`, async () => {
      const api = await new MockApi().setup({ "GET /v1/builders/liam/booking-config": { body, malformed: true } });
      const el = mount(attrs(api));
      await expectError(el, "bad_answer", "loading");
      expect(text(el)).to.contain("The booking service sent an unreadable answer.");
    });
  }

  it("booking-attempts: no calendlyUrl", async () => {
    const api = await new MockApi().setup(
      bookable({ "POST /v1/booking-attempts": { status: 201, body: { attemptId: "att_1" }, malformed: true } }),
    );
    const el = mount(attrs(api));
    await expectError(el, "bad_answer", "calendar");
  });

  it("bookings: no checkoutUrl", async () => {
    const { checkoutUrl: _, ...body } = created().body;
    const api = await new MockApi().setup(bookable({ "POST /v1/bookings": { status: 201, body, malformed: true } }));
    const el = mount(attrs(api));
    await calendarReady(el);
    await schedule(el);
    await expectError(el, "bad_answer", "creating-checkout");
  });

  const malformedBookings: [string, unknown][] = [
    ["an unknown status", booking({ status: "PAID" as never })],
    ["no builder", { ...booking(), builder: null }],
    ["no start time", { ...booking(), startTime: undefined }],
    ["null", null],
  ];
  for (const [what, body] of malformedBookings) {
    it(`the booking after checkout: ${what}`, async () => {
      const api = await new MockApi().setup({
        "GET /v1/bookings/b0000000-0000-4000-8000-000000000001": { body, malformed: true },
      });
      history.replaceState(
        null,
        "",
        `${location.pathname}?baw_booking=b0000000-0000-4000-8000-000000000001&baw_token=tok_1`,
      );
      const el = mount(attrs(api));
      await expectError(el, "bad_answer", "confirming");
    });
  }
});

describe("exceptions anywhere", () => {
  it("in rendering (a string override that is not a string)", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api), (e) => {
      e.strings = { calendarTitle: 42 as never };
    });
    await expectError(el, "unknown", "calendar");
  });

  it("in running an effect (a navigate that throws)", async () => {
    const api = await new MockApi().setup(bookable());
    const el = mount(attrs(api), (e) => {
      e.navigate = () => {
        throw new Error("no");
      };
    });
    await calendarReady(el);
    await schedule(el);
    await expectError(el, "unknown", "redirecting");
  });

  it("in a service that answers 200 with an empty body", async () => {
    const routes: Routes = bookable({ "POST /v1/booking-attempts": { status: 201, malformed: true } });
    const api = await new MockApi().setup(routes);
    const el = mount(attrs(api));
    await expectError(el, "bad_answer", "calendar");
  });
});
