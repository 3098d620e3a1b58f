// GET /v1/booking-attempts/{attemptId}/outcome: the widget watches an attempt after the visitor
// booked in Calendly's own page; the webhook's booking shows up here with the URIs that open Checkout.
import t from "tap";
import {
  buildTestApp,
  reportBooking,
  scheduleSlot,
  sessionIdOf,
  startAttempt,
  testSite,
  waitFor,
} from "./helpers/app.js";

const otherSite = {
  name: "Other marketplace",
  publishableKey: "pk_test_other",
  allowedOrigins: ["https://other.example"],
  returnUrlAllowlist: ["https://other.example/book"],
};
const otherHeaders = { "x-baw-site-key": otherSite.publishableKey, origin: otherSite.allowedOrigins[0]! };

const h = await buildTestApp({ sites: [otherSite] });
t.teardown(h.close);

const outcome = (attemptId: string, headers: Record<string, string> = h.siteHeaders) =>
  h.app.inject({ method: "GET", url: `/v1/booking-attempts/${attemptId}/outcome`, headers });

t.test("waiting until Calendly's invitee.created books the slot, then the URIs that open Checkout", async (t) => {
  const { attemptId, expiresAt } = await startAttempt(h);
  const waiting = await outcome(attemptId);
  t.equal(waiting.statusCode, 200, waiting.body);
  t.same(waiting.json(), { status: "waiting", expiresAt });
  t.equal(waiting.headers["cache-control"], "no-store");

  // The visitor books in Calendly's own page: the widget never hears of it, the webhook does.
  const slot = await scheduleSlot(h, attemptId, { name: "Tab Hopper", email: "tab.hopper@example.com" });
  const booked = await waitFor(async () => {
    const res = await outcome(attemptId);
    return res.json().status === "booked" ? res : undefined;
  });
  t.same(booked.json(), { status: "booked", eventUri: slot.eventUri, inviteeUri: slot.inviteeUri });
  t.notMatch(booked.body, /Tab Hopper|tab\.hopper|amount|price/i, "no personal data, no money");

  // Reporting those URIs opens Checkout for the booking the webhook made, under its hold.
  const { eventUri, inviteeUri } = booked.json();
  const created = await reportBooking(h, { attemptId, eventUri, inviteeUri });
  t.equal(created.statusCode, 200, created.body);
  const booking = await h.db.prisma.booking.findUniqueOrThrow({ where: { calendlyInviteeUri: slot.inviteeUri } });
  t.match(created.json(), { bookingId: booking.id, status: "PENDING_PAYMENT" });
  t.equal(h.stripe.getSession(sessionIdOf(created.json().checkoutUrl))!.amount_total, 15000);
});

t.test("an expired attempt with nothing booked says so", async (t) => {
  const { attemptId } = await startAttempt(h);
  await h.db.prisma.bookingAttempt.update({
    where: { id: attemptId },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  const res = await outcome(attemptId);
  t.equal(res.statusCode, 200, res.body);
  t.same(res.json(), { status: "expired" });
});

t.test("only the site the attempt was issued to learns its outcome", async (t) => {
  const { attemptId } = await startAttempt(h);
  const other = await outcome(attemptId, otherHeaders);
  t.equal(other.statusCode, 404, other.body);
  t.equal(other.json().error, "attempt_not_found");
  const unknown = await outcome("att_neverIssuedNeverIssued0000");
  t.equal(unknown.statusCode, 404);
  t.same(
    { ...other.json(), requestId: undefined },
    { ...unknown.json(), requestId: undefined },
    "another site's attempt looks like one never issued",
  );
  const noKey = await outcome(attemptId, { origin: testSite.allowedOrigins[0]! });
  t.equal(noKey.statusCode, 401, noKey.body);
  t.equal(noKey.json().error, "site_key_required");
});

t.test("a malformed attempt id: 400 naming attemptId", async (t) => {
  for (const bad of ["nope", "att_short", `att_${"x".repeat(80)}`, "att_bad%20chars%20here00"]) {
    const res = await outcome(bad);
    t.equal(res.statusCode, 400, `${bad}: ${res.body}`);
    t.match(res.json().message, /attemptId/, bad);
  }
});

t.test("CORS as the widget's other routes: the origin reflected, a preflight answered", async (t) => {
  const { attemptId } = await startAttempt(h);
  const res = await outcome(attemptId);
  t.equal(res.headers["access-control-allow-origin"], testSite.allowedOrigins[0]);
  const preflight = await h.app.inject({
    method: "OPTIONS",
    url: `/v1/booking-attempts/${attemptId}/outcome`,
    headers: {
      origin: "https://anywhere.example",
      "access-control-request-method": "GET",
      "access-control-request-headers": "x-baw-site-key",
    },
  });
  t.equal(preflight.statusCode, 204, preflight.body);
  t.equal(preflight.headers["access-control-allow-origin"], "https://anywhere.example");
});

t.test("documented in the OpenAPI description", async (t) => {
  const spec = (await h.app.inject({ method: "GET", url: "/docs/json" })).json();
  const op = spec.paths["/v1/booking-attempts/{attemptId}/outcome"]?.get;
  t.ok(op, "the operation is there");
  t.same(op.tags, ["public"]);
  t.ok(op.responses["200"], "its answer is described");
});

t.test("rate-limited like the other public routes", async (t) => {
  const limited = await buildTestApp({ env: { RATE_LIMIT_MAX: "2", RATE_LIMIT_WINDOW_SECONDS: "600" } });
  t.teardown(limited.close);
  const { attemptId } = await startAttempt(limited);
  const get = () =>
    limited.app.inject({
      method: "GET",
      url: `/v1/booking-attempts/${attemptId}/outcome`,
      headers: limited.siteHeaders,
    });
  t.equal((await get()).statusCode, 200);
  const res = await get();
  t.equal(res.statusCode, 429, res.body);
  t.equal(res.json().error, "rate_limited");
  t.ok(Number(res.headers["retry-after"]) > 0, "Retry-After says when");
});
