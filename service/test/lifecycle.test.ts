import t from "tap";
import { liamCalendly } from "../src/db/seed.js";
import { buildTestApp, waitFor } from "./helpers/app.js";

t.test("whole lifecycle: attempt → scheduled → verified → Checkout → paid → CONFIRMED → read", async (t) => {
  const h = await buildTestApp();
  t.teardown(h.close);
  const config = await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: h.siteHeaders });
  t.equal(config.statusCode, 200);
  const cfg = config.json();
  t.equal(cfg.state, "bookable");
  const attemptRes = await h.app.inject({
    method: "POST",
    url: "/v1/booking-attempts",
    headers: h.siteHeaders,
    payload: { builder: "liam", sessionTypeId: cfg.sessionTypes[0].id },
  });
  t.equal(attemptRes.statusCode, 201, attemptRes.body);
  const attempt = attemptRes.json();
  t.match(attempt.calendlyUrl, new RegExp(`utm_content=${attempt.attemptId}`));
  const scheduled = await h.calendly.schedule({
    eventTypeUuid: liamCalendly.eventTypeUuid,
    name: "Ada Visitor",
    email: "ada@example.com",
    utmContent: attempt.attemptId,
  });
  const bookingRes = await h.app.inject({
    method: "POST",
    url: "/v1/bookings",
    headers: h.siteHeaders,
    payload: { attemptId: attempt.attemptId, ...scheduled },
  });
  // 201, or 200 when Calendly's invitee.created webhook stored the booking first.
  t.ok([200, 201].includes(bookingRes.statusCode), bookingRes.body);
  const booking = bookingRes.json();
  t.match(booking.checkoutUrl, /\/checkout\//);
  const again = await h.app.inject({
    method: "POST",
    url: "/v1/bookings",
    headers: h.siteHeaders,
    payload: { attemptId: attempt.attemptId, ...scheduled },
  });
  t.equal(again.statusCode, 200, "a repeat is idempotent");
  t.equal(again.json().bookingId, booking.bookingId);
  t.equal(again.json().checkoutUrl, booking.checkoutUrl, "the same open session");
  t.equal(h.stripe.sessions.length, 1, "one Checkout Session");
  const sessionId = h.stripe.sessions[0]!.id;
  t.equal(h.stripe.getSession(sessionId)!.amount_total, 15000, "price decided on the server");
  await h.stripe.pay(sessionId);
  const confirmed = await waitFor(async () => {
    const r = await h.app.inject({
      url: `/v1/bookings/${booking.bookingId}`,
      headers: { authorization: `Bearer ${booking.bookingToken}` },
    });
    return r.json().status === "CONFIRMED" ? r.json() : null;
  });
  t.same(confirmed.amountPaid, { amount: 15000, currency: "usd" });
  t.same(
    confirmed.history.map((h: { to: string }) => h.to),
    ["PENDING_PAYMENT", "CONFIRMED"],
  );
  const payment = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } });
  t.equal(payment.status, "PAID");
});
