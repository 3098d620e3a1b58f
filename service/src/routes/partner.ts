// The partner API: server-to-server, authenticated with a secret key (`Authorization: Bearer
// baw_sk_…`) whose scopes each route checks. No CORS: browsers never call these routes.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createAttempt } from "../domain/attempts.js";
import { builderWhere, decideBookability } from "../domain/bookability.js";
import { createBooking } from "../domain/bookings.js";
import { domainContext } from "../domain/context.js";
import { chooseReturnUrl } from "../domain/return-urls.js";
import { BookingStatus, type Prisma } from "../generated/prisma/client.js";
import { badRequest, notFound } from "../lib/errors.js";
import partnerAuth, { authenticatePartner, partnerKeyOf } from "../plugins/partner-auth.js";
import { ErrorSchema, errorResponses, MoneySchema, storable, text } from "../schemas/common.js";
import { BuilderRefSchema } from "./builders.js";

const security = [{ partnerKey: [] }];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = Object.values(BookingStatus) as [BookingStatus, ...BookingStatus[]];
const isoDateTime = z.iso.datetime({ offset: true });

// ---- examples shared by the schemas -------------------------------------------------------

const exampleBuilder = {
  id: "0b8f6c1e-4d2a-4f8e-9c3b-5a7d1e2f3a4b",
  slug: "liam",
  name: "Liam",
  headline: "Founder of Build Apps With — ship your first AI-powered app",
  isDemo: false,
  state: "bookable",
  sessionTypes: [
    {
      id: "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      name: "1:1 build session",
      durationMinutes: 60,
      price: { amount: 15000, currency: "usd" },
    },
  ],
};

const exampleBooking = {
  id: "2f4e6a8c-1b3d-4f5a-9c7e-0d2b4f6a8c1e",
  status: "CONFIRMED",
  builder: { id: exampleBuilder.id, slug: "liam", name: "Liam" },
  sessionType: { id: "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", name: "1:1 build session", durationMinutes: 60 },
  startTime: "2026-03-02T15:00:00.000Z",
  endTime: "2026-03-02T16:00:00.000Z",
  inviteeName: "Grace Hopper",
  inviteeEmail: "grace@example.com",
  price: { amount: 15000, currency: "usd" },
  amountPaid: 15000,
  holdExpiresAt: null,
  createdAt: "2026-02-20T10:04:11.532Z",
  history: [
    {
      from: null,
      to: "PENDING_PAYMENT",
      cause: "slot scheduled in Calendly; verified with Calendly's API",
      at: "2026-02-20T10:04:11.532Z",
    },
    { from: "PENDING_PAYMENT", to: "CONFIRMED", cause: "checkout.session.completed", at: "2026-02-20T10:06:40.118Z" },
  ],
  payments: [
    {
      id: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
      status: "PAID",
      amount: 15000,
      currency: "usd",
      amountRefunded: 0,
      checkoutSessionId: "cs_test_a1B2c3D4e5F6g7H8",
    },
  ],
};

// ---- schemas ------------------------------------------------------------------------------

export const PartnerBuilderSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    headline: z.string(),
    isDemo: z.boolean(),
    state: z.enum(["bookable", "demo", "unavailable"]),
    reason: z.string().optional().describe("Why the builder cannot be booked, when it cannot"),
    sessionTypes: z.array(
      z.object({ id: z.string(), name: z.string(), durationMinutes: z.number().int(), price: MoneySchema }),
    ),
  })
  .meta({ id: "PartnerBuilder", examples: [exampleBuilder] });

const PartnerBuilderListSchema = z
  .object({ data: z.array(PartnerBuilderSchema) })
  .meta({ examples: [{ data: [exampleBuilder] }] });

const PartnerBookingObject = z.object({
  id: z.string(),
  status: z.enum(STATUSES),
  builder: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  sessionType: z.object({ id: z.string(), name: z.string(), durationMinutes: z.number().int() }),
  startTime: isoDateTime,
  endTime: isoDateTime,
  inviteeName: z.string(),
  inviteeEmail: z.string(),
  price: MoneySchema.describe("What the session costs (the amount charged at checkout)"),
  amountPaid: z.number().int().describe("Captured so far, in minor units; refunds are in payments[].amountRefunded"),
  holdExpiresAt: isoDateTime.nullable().describe("While PENDING_PAYMENT: when the unpaid slot is released"),
  createdAt: isoDateTime,
  history: z.array(
    z.object({ from: z.enum(STATUSES).nullable(), to: z.enum(STATUSES), cause: z.string(), at: isoDateTime }),
  ),
  payments: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      amount: z.number().int(),
      currency: z.string(),
      amountRefunded: z.number().int(),
      checkoutSessionId: z.string().nullable(),
    }),
  ),
});

export const PartnerBookingSchema = PartnerBookingObject.meta({ id: "PartnerBooking", examples: [exampleBooking] });
/** The same shape inline, so the single-booking response carries its example in the document. */
const PartnerBookingResponseSchema = PartnerBookingObject.meta({ examples: [exampleBooking] });

const PartnerBookingListSchema = z
  .object({
    data: z.array(PartnerBookingSchema),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
  })
  .meta({
    examples: [
      {
        data: [exampleBooking],
        nextCursor:
          "eyJjcmVhdGVkQXQiOiIyMDI2LTAyLTIwVDEwOjA0OjExLjUzMloiLCJpZCI6IjJmNGU2YThjLTFiM2QtNGY1YS05YzdlLTBkMmI0ZjZhOGMxZSJ9",
      },
    ],
  });

const AttemptBodySchema = z
  .object({
    builder: BuilderRefSchema,
    sessionTypeId: z.string().regex(UUID, "must be a session type id (UUID)").optional(),
    returnUrl: storable(z.url().max(2000)).describe(
      "Page checkout returns to; must be on this key's return-URL allowlist",
    ),
    customer: z
      .object({
        id: text().min(1).max(200).describe("Your id for the customer"),
        email: storable(z.email().max(320)).optional(),
        name: text().min(1).max(200).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const AttemptCreatedSchema = z
  .object({
    attemptId: z.string(),
    calendlyUrl: z.string().describe("Show this Calendly page to the customer; it carries the attempt id"),
    expiresAt: isoDateTime,
  })
  .meta({
    examples: [
      {
        attemptId: "att_Qm9va2luZ0F0dGVtcHQx",
        calendlyUrl: "https://calendly.com/liam-buildappswith/build-session?utm_content=att_Qm9va2luZ0F0dGVtcHQx",
        expiresAt: "2026-02-20T12:04:11.532Z",
      },
    ],
  });

const CreateBookingBodySchema = z
  .object({
    attemptId: text().min(1).max(100).describe("attemptId from POST /v1/partner/booking-attempts"),
    eventUri: storable(z.url().max(500)).describe("Calendly scheduled-event URI from calendly.event_scheduled"),
    inviteeUri: storable(z.url().max(500)).describe("Calendly invitee URI from calendly.event_scheduled"),
  })
  .strict();

const BookingCreatedSchema = z
  .object({
    bookingId: z.string(),
    bookingToken: z.string().describe("Lets the customer's browser read this booking; treat as a secret"),
    status: z.enum(STATUSES),
    checkoutUrl: z.string().nullable().describe("Send the customer here to pay; null when nothing is due"),
    holdExpiresAt: isoDateTime.nullable(),
  })
  .meta({
    examples: [
      {
        bookingId: exampleBooking.id,
        bookingToken: "bt_3q2-7wEvTHanYVwmQ5m6Yq0bS4nS8d1x1c8HqkGgk7c",
        status: "PENDING_PAYMENT",
        checkoutUrl: "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8",
        holdExpiresAt: "2026-02-20T10:39:11.532Z",
      },
    ],
  });

const ListQuerySchema = z
  .object({
    builder: BuilderRefSchema.optional(),
    status: z
      .string()
      .optional()
      .describe(`One status or a comma-separated list: ${STATUSES.join(", ")}`)
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const parts = v
          .split(",")
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean);
        const bad = parts.find((p) => !(STATUSES as string[]).includes(p));
        if (bad !== undefined || parts.length === 0) {
          ctx.addIssue({
            code: "custom",
            message: `must be one or more of ${STATUSES.join(", ")}${bad ? ` (got "${bad}")` : ""}`,
          });
          return z.NEVER;
        }
        return [...new Set(parts)] as BookingStatus[];
      }),
    from: isoDateTime.optional().describe("Only bookings starting at or after this time"),
    to: isoDateTime.optional().describe("Only bookings starting before this time"),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: text().max(500).optional().describe("nextCursor of the previous page"),
  })
  .strict();

// ---- cursor -------------------------------------------------------------------------------

interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ createdAt: c.createdAt.toISOString(), id: c.id })).toString("base64url");
}

export function decodeCursor(raw: string): Cursor {
  const invalid = () => badRequest("cursor", "is not a cursor this API issued; pass nextCursor from the previous page");
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const parsed = z
    .object({ createdAt: isoDateTime, id: z.string().regex(UUID) })
    .strict()
    .safeParse(value);
  if (!parsed.success) throw invalid();
  return { createdAt: new Date(parsed.data.createdAt), id: parsed.data.id };
}

// ---- mapping ------------------------------------------------------------------------------

const bookingInclude = {
  builder: { select: { id: true, slug: true, name: true } },
  sessionType: { select: { id: true, name: true, durationMinutes: true, priceAmount: true, currency: true } },
  history: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
  payments: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
} satisfies Prisma.BookingInclude;

type LoadedBooking = Prisma.BookingGetPayload<{ include: typeof bookingInclude }>;
export type PartnerBooking = z.infer<typeof PartnerBookingSchema>;
export type PartnerBuilder = z.infer<typeof PartnerBuilderSchema>;

const CAPTURED = new Set(["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

export function toPartnerBooking(b: LoadedBooking): PartnerBooking {
  const latestPayment = b.payments.at(-1);
  return {
    id: b.id,
    status: b.status,
    builder: { id: b.builder.id, slug: b.builder.slug, name: b.builder.name },
    sessionType: { id: b.sessionType.id, name: b.sessionType.name, durationMinutes: b.sessionType.durationMinutes },
    startTime: b.startTime.toISOString(),
    endTime: b.endTime.toISOString(),
    inviteeName: b.inviteeName,
    inviteeEmail: b.inviteeEmail,
    price: latestPayment
      ? { amount: latestPayment.amount, currency: latestPayment.currency }
      : { amount: b.sessionType.priceAmount, currency: b.sessionType.currency },
    amountPaid: b.payments.filter((p) => CAPTURED.has(p.status)).reduce((sum, p) => sum + p.amountCaptured, 0),
    holdExpiresAt: b.holdExpiresAt?.toISOString() ?? null,
    createdAt: b.createdAt.toISOString(),
    history: b.history.map((h) => ({ from: h.from, to: h.to, cause: h.cause, at: h.createdAt.toISOString() })),
    payments: b.payments.map((p) => ({
      id: p.id,
      status: p.status,
      amount: p.amount,
      currency: p.currency,
      amountRefunded: p.amountRefunded,
      checkoutSessionId: p.checkoutSessionId,
    })),
  };
}

// ---- routes -------------------------------------------------------------------------------

const partner: FastifyPluginAsyncZod = async (fastify) => {
  await fastify.register(partnerAuth);

  fastify.get(
    "/v1/partner/builders",
    {
      onRequest: authenticatePartner("builders:read"),
      schema: {
        tags: ["partner"],
        summary: "Every builder, whether it can be booked, and its session types",
        description:
          "Requires the `builders:read` scope. Demo builders are listed with state `demo` and cannot be booked.",
        security,
        response: { 200: PartnerBuilderListSchema, ...errorResponses },
      },
    },
    async () => {
      const builders = await fastify.db.prisma.builder.findMany({
        include: { sessionTypes: true },
        orderBy: [{ isDemo: "asc" }, { name: "asc" }, { id: "asc" }],
      });
      return {
        data: builders.map((builder) => {
          const decision = decideBookability(builder);
          return {
            id: builder.id,
            slug: builder.slug,
            name: builder.name,
            headline: builder.headline,
            isDemo: builder.isDemo,
            state: decision.state,
            ...(decision.reason ? { reason: decision.reason } : {}),
            sessionTypes: decision.sessionTypes.map((s) => ({
              id: s.id,
              name: s.name,
              durationMinutes: s.durationMinutes,
              price: { amount: s.priceAmount, currency: s.currency },
            })),
          };
        }),
      };
    },
  );

  fastify.get(
    "/v1/partner/bookings",
    {
      onRequest: authenticatePartner("bookings:read"),
      schema: {
        tags: ["partner"],
        summary: "Bookings, newest first, with keyset pagination",
        description:
          "Requires the `bookings:read` scope. Ordered by creation time, newest first. Pass `nextCursor` " +
          "as `cursor` to get the next page; pages never repeat or skip a booking.",
        security,
        querystring: ListQuerySchema,
        response: { 200: PartnerBookingListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const where: Prisma.BookingWhereInput[] = [];
      if (q.builder) {
        const builder = await fastify.db.prisma.builder.findUnique({
          where: builderWhere(q.builder),
          select: { id: true },
        });
        if (!builder) throw notFound("builder_not_found", `builder: no builder "${q.builder}" exists`);
        where.push({ builderId: builder.id });
      }
      if (q.status) where.push({ status: { in: q.status } });
      if (q.from) where.push({ startTime: { gte: new Date(q.from) } });
      if (q.to) where.push({ startTime: { lt: new Date(q.to) } });
      if (q.cursor) {
        const c = decodeCursor(q.cursor);
        where.push({ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] });
      }
      const rows = await fastify.db.prisma.booking.findMany({
        where: { AND: where },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: q.limit + 1,
        include: bookingInclude,
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        data: page.map(toPartnerBooking),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
      };
    },
  );

  fastify.get(
    "/v1/partner/bookings/:id",
    {
      onRequest: authenticatePartner("bookings:read"),
      schema: {
        tags: ["partner"],
        summary: "One booking with its status history and payments",
        description: "Requires the `bookings:read` scope.",
        security,
        params: z.object({ id: z.string().regex(UUID, "must be a booking id (UUID)").describe("Booking id") }),
        response: { 200: PartnerBookingResponseSchema, ...errorResponses, 404: ErrorSchema },
      },
    },
    async (request) => {
      const booking = await fastify.db.prisma.booking.findUnique({
        where: { id: request.params.id },
        include: bookingInclude,
      });
      if (!booking) throw notFound("booking_not_found", `id: no booking "${request.params.id}" exists`);
      return toPartnerBooking(booking);
    },
  );

  fastify.post(
    "/v1/partner/booking-attempts",
    {
      onRequest: authenticatePartner("bookings:write"),
      schema: {
        tags: ["partner"],
        summary: "Start a booking: get the Calendly page to show the customer",
        description:
          "Requires the `bookings:write` scope. `returnUrl` must be on the key's return-URL allowlist. " +
          "Show `calendlyUrl` to the customer; when they schedule, call POST /v1/partner/bookings.",
        security,
        body: AttemptBodySchema,
        response: { 201: AttemptCreatedSchema, ...errorResponses, 409: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (request, reply) => {
      const key = partnerKeyOf(request);
      const body = request.body;
      const returnUrl = chooseReturnUrl(body.returnUrl, key.returnUrlAllowlist);
      const created = await createAttempt(domainContext(fastify, request.log), {
        builder: body.builder,
        sessionTypeId: body.sessionTypeId,
        customer: body.customer,
        partnerKeyId: key.id,
        returnUrl,
      });
      return reply.code(201).send(created);
    },
  );

  fastify.post(
    "/v1/partner/bookings",
    {
      onRequest: authenticatePartner("bookings:write"),
      schema: {
        tags: ["partner"],
        summary: "Create the booking for a scheduled slot and open its checkout",
        description:
          "Requires the `bookings:write` scope. The slot is verified with Calendly's API and must carry one of " +
          "your attempt ids. Answers 201 when the booking is created and 200 when it already existed (safe to retry).",
        security,
        body: CreateBookingBodySchema,
        response: {
          200: BookingCreatedSchema,
          201: BookingCreatedSchema,
          ...errorResponses,
          409: ErrorSchema,
          422: ErrorSchema,
          502: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const key = partnerKeyOf(request);
      const result = await createBooking(domainContext(fastify, request.log), {
        attemptId: request.body.attemptId,
        eventUri: request.body.eventUri,
        inviteeUri: request.body.inviteeUri,
        caller: { partnerKeyId: key.id },
      });
      const { created, ...body } = result;
      return reply.code(created ? 201 : 200).send(body);
    },
  );
};

export default partner;
