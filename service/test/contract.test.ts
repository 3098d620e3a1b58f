// The API contract (src/contract): each view is a projection of one model, the service's answers
// parse as the contract's schemas unchanged, the OpenAPI document's components are the contract's,
// and the widget's generated declarations match it.
import { readFileSync } from "node:fs";
import t, { type Test } from "tap";
import { z } from "zod";
import {
  BookingAttemptSchema,
  BookingConfigSchema,
  BookingCreatedSchema,
  BookingModelSchema,
  BuilderModelSchema,
  components,
  exampleAttempt,
  exampleBooking,
  exampleBuilder,
  exampleCreated,
  PartnerBookingSchema,
  PartnerBuilderSchema,
  PublicBookingSchema,
} from "../src/contract/index.js";
import { WIDGET_TYPES_FILE, widgetTypes } from "../src/contract/typescript.js";
import { loadBooking, toPartnerBooking } from "../src/domain/booking-view.js";
import { buildTestApp, confirmedBooking, startAttempt, waitFor } from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);

/** Parsing an answer gives it back unchanged: every field declared, of its declared type, none extra. */
function roundTrip(t: Test, schema: z.ZodType, body: unknown, what: string) {
  const parsed = schema.safeParse(body);
  t.ok(parsed.success, `${what} parses: ${parsed.success ? "" : z.prettifyError(parsed.error)}`);
  if (parsed.success) t.same(parsed.data, body, `${what} round-trips unchanged`);
}

t.test("each view is a projection of its model: same fields, same schemas", async (t) => {
  for (const [name, view] of Object.entries({ PublicBookingSchema, PartnerBookingSchema })) {
    for (const [key, field] of Object.entries(view.shape)) {
      t.equal(field, BookingModelSchema.shape[key as keyof typeof BookingModelSchema.shape], `${name}.${key}`);
    }
  }
  for (const [key, field] of Object.entries(PartnerBuilderSchema.shape)) {
    t.equal(field, BuilderModelSchema.shape[key as keyof typeof BuilderModelSchema.shape], `PartnerBuilder.${key}`);
  }
  for (const key of ["state", "reason"] as const) {
    t.equal(BookingConfigSchema.shape[key], BuilderModelSchema.shape[key], `BookingConfig.${key}`);
  }
  // A visitor is offered active session types only, so theirs leave out `active` and nothing else.
  const offered = BookingConfigSchema.shape.sessionTypes.element.shape;
  const managed = BuilderModelSchema.shape.sessionTypes.element.shape;
  t.same(
    Object.keys(offered),
    Object.keys(managed).filter((key) => key !== "active"),
    "BookingConfig.sessionTypes",
  );
  for (const [key, field] of Object.entries(offered)) {
    t.equal(field, managed[key as keyof typeof managed], `BookingConfig.sessionTypes[].${key}`);
  }
  t.equal(PublicBookingSchema.shape.builder, PartnerBookingSchema.shape.builder, "one builder summary in both views");
  t.notOk("inviteeEmail" in PublicBookingSchema.shape, "the visitor's view leaves the e-mail out");
});

t.test("the documented examples are valid answers", async (t) => {
  roundTrip(t, PartnerBookingSchema, exampleBooking, "the partner booking example");
  roundTrip(t, PartnerBuilderSchema, exampleBuilder, "the partner builder example");
  roundTrip(t, BookingAttemptSchema, exampleAttempt, "the attempt example");
  roundTrip(t, BookingCreatedSchema, exampleCreated, "the created-booking example");
});

t.test("the service's answers round-trip through the contract; price, paid and refunded are amounts", async (t) => {
  const liam = await h.db.prisma.builder.findUniqueOrThrow({
    where: { slug: "liam" },
    include: { sessionTypes: true },
  });
  const sessionType = liam.sessionTypes[0]!;
  const config = await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: h.siteHeaders });
  roundTrip(t, BookingConfigSchema, config.json(), "the booking config");

  const attempt = await startAttempt(h);
  roundTrip(t, BookingAttemptSchema, attempt, "the attempt");

  const { booking, sessionId } = await confirmedBooking(h);
  roundTrip(t, BookingCreatedSchema, booking, "the created booking");
  const pi = h.stripe.getSession(sessionId)!.payment_intent as string;
  await h.app.providers.stripe.refunds.create({ payment_intent: pi, amount: 4000 });
  await waitFor(async () => {
    const p = await h.db.prisma.payment.findFirstOrThrow({ where: { bookingId: booking.bookingId } });
    return p.amountRefunded === 4000;
  });
  // A later list-price change is the session type's, not the booking's.
  await h.db.prisma.sessionType.update({ where: { id: sessionType.id }, data: { priceAmount: 99_00 } });
  t.teardown(() =>
    h.db.prisma.sessionType.update({ where: { id: sessionType.id }, data: { priceAmount: sessionType.priceAmount } }),
  );

  const publicView = await h.app.inject({
    url: `/v1/bookings/${booking.bookingId}`,
    headers: { authorization: `Bearer ${booking.bookingToken}` },
  });
  t.equal(publicView.statusCode, 200, publicView.body);
  roundTrip(t, PublicBookingSchema, publicView.json(), "the visitor's booking");
  const stored = await loadBooking(h.ctx, { id: booking.bookingId });
  const partnerView = toPartnerBooking(stored!, true);
  roundTrip(t, PartnerBookingSchema, JSON.parse(JSON.stringify(partnerView)), "the partner's booking");

  const usd = (amount: number) => ({ amount, currency: "usd" });
  for (const [who, view] of [
    ["visitor", publicView.json()],
    ["partner", partnerView],
  ] as const) {
    t.same(view.price, usd(sessionType.priceAmount), `${who}: price is what the checkout asked`);
    t.same(view.amountPaid, usd(sessionType.priceAmount), `${who}: amountPaid is what was captured`);
    t.same(view.amountRefunded, usd(4000), `${who}: amountRefunded`);
    t.equal(view.amountPaid.amount - view.amountRefunded.amount, sessionType.priceAmount - 4000, `${who}: kept`);
  }
  const after = await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: h.siteHeaders });
  t.same(after.json().sessionTypes[0].price, usd(99_00), "the session type's price is its current list price");
});

t.test("the OpenAPI document's components are the contract's schemas", async (t) => {
  const res = await h.app.inject({ url: "/docs/json" });
  t.equal(res.statusCode, 200);
  const documented = res.json().components.schemas as Record<string, { properties?: object; required?: string[] }>;
  // The type provider documents each named schema as it is answered, and as `<name>Input` as it is read.
  const named = new Set(Object.keys(documented).map((name) => name.replace(/Input$/, "")));
  t.same([...named].sort(), Object.keys(components).sort(), "one component per contract schema");
  for (const [name, schema] of Object.entries(components)) {
    type Json = { properties?: object; required?: string[]; $defs?: Record<string, Json> };
    const expected = z.toJSONSchema(schema, { io: "output" }) as Json;
    const own = expected.$defs?.[name] ?? expected;
    t.same(Object.keys(documented[name]?.properties ?? {}), Object.keys(own.properties ?? {}), `${name}: fields`);
    t.same(documented[name]?.required, own.required, `${name}: required fields`);
  }
});

t.test("the widget's declarations are the ones the contract generates", async (t) => {
  const committed = readFileSync(new URL(`../../${WIDGET_TYPES_FILE}`, import.meta.url), "utf8");
  t.equal(committed, widgetTypes(), "run `npm run contract:types -w service` after changing the contract");
});
