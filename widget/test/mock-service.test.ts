// The mock service takes only answers the real service can give (its contract), so a fixture that
// drifts from the service fails here rather than passing against a shape that no longer exists.
import { expect } from "@esm-bundle/chai";
import * as flow from "./fixtures/flow-answers.js";
import { availableTimes, booking, config, created, MockApi, type Routes, sessionType } from "./helpers.js";

async function refusal(routes: Routes): Promise<string> {
  try {
    await new MockApi().setup(routes);
  } catch (error) {
    return (error as Error).message;
  }
  return "accepted";
}

const ID = "b0000000-0000-4000-8000-000000000001";
const BOOKING = `GET /v1/bookings/${ID}`;

describe("the mock service holds fixtures to the contract", () => {
  it("takes the shared fixtures", async () => {
    expect(
      await refusal({
        "GET /v1/builders/liam/booking-config": { body: config() },
        "POST /v1/bookings": created(),
        [BOOKING]: { body: booking() },
      }),
    ).to.equal("accepted");
  });

  it("takes the flow tests' answers, in every status", async () => {
    const routes: Routes = {
      "GET /v1/builders/liam/booking-config": { body: flow.config() },
      "POST /v1/booking-attempts": { status: 201, body: flow.attempt },
      "POST /v1/bookings": { status: 201, body: flow.created },
      [BOOKING]: ["PENDING_PAYMENT", "CONFIRMED", "EXPIRED", "FAILED", "CANCELLED", "REFUNDED"].map((status) => ({
        body: flow.booking(status),
      })),
    };
    expect(await refusal(routes)).to.equal("accepted");
  });

  it("takes pay first's answers: times, the reservation, the rebooking, and the new statuses", async () => {
    const routes: Routes = {
      "GET /v1/builders/liam/available-times": [{ body: flow.availableTimes() }, { body: availableTimes() }],
      "GET /v1/builders/1a000000-0000-4000-8000-000000000001/available-times": { body: availableTimes() },
      "POST /v1/reservations": [{ status: 201, body: flow.created }, created()],
      [`POST /v1/bookings/${ID}/rebook`]: { body: flow.booking("SCHEDULING", { flow: "pay-first" }) },
      [BOOKING]: ["SCHEDULING", "NEEDS_NEW_TIME", "CANCELLED", "REFUNDED"].map((status) => ({
        body: flow.booking(status, { flow: "pay-first", rebookBy: flow.hold }),
      })),
      "GET /v1/builders/liam/booking-config": {
        body: config({
          flow: { builderChoice: "pay-first", payFirst: { available: false, reasonCode: "scheduling_budget" } },
        }),
      },
    };
    expect(await refusal(routes)).to.equal("accepted");
  });

  it("refuses times the service could not send", async () => {
    const times = {
      ...flow.availableTimes(),
      questions: [{ position: 0, name: "Q", type: "checkbox", required: true, answerChoices: [] }],
    };
    expect(await refusal({ "GET /v1/builders/liam/available-times": { body: times } })).to.match(/questions\.0\.type/);
    expect(await refusal({ "POST /v1/bookings/bk_1/rebook": { body: booking() } })).to.match(/refuses this path/);
  });

  it("refuses a booking whose amountPaid is not Money", async () => {
    expect(await refusal({ [BOOKING]: { body: booking({ amountPaid: null as never }) } })).to.match(/amountPaid/);
  });

  it("refuses a session-type id the service would not accept", async () => {
    const routes = {
      "GET /v1/builders/liam/booking-config": { body: config({ sessionTypes: [sessionType("st_60")] }) },
    };
    expect(await refusal(routes)).to.match(/sessionTypes\.0\.id/);
  });

  it("refuses a path the service refuses", async () => {
    expect(await refusal({ "GET /v1/bookings/bk_1": { body: booking() } })).to.match(/refuses this path/);
  });

  it("refuses an error body without its statusCode", async () => {
    const routes = { [BOOKING]: { status: 500, body: { error: "internal", message: "Down." } } };
    expect(await refusal(routes)).to.match(/statusCode/);
  });

  it("takes a malformed answer only when the test says so", async () => {
    const routes = { [BOOKING]: { body: { id: 1 }, malformed: true as const } };
    expect(await refusal(routes)).to.equal("accepted");
  });
});
