// Partner routes for the catalogue: list builders (`builders:read`); create and edit builders and
// their session types (`builders:write`). Registered inside the partner plugin, behind its auth.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  PartnerBuilderListSchema,
  PartnerBuilderResponseSchema,
  PartnerSessionTypeResponseSchema,
} from "../contract/index.js";
import { builderEventType, calendlyConnectionView } from "../domain/calendly-connections/view.js";
import {
  addSessionType,
  createBuilder,
  getBuilder,
  listBuilders,
  updateBuilder,
  updateSessionType,
} from "../domain/catalogue/builders.js";
import {
  BuilderCreateSchema,
  BuilderUpdateSchema,
  SessionTypeCreateSchema,
  SessionTypeUpdateSchema,
} from "../domain/catalogue/inputs.js";
import { domainContext } from "../domain/context.js";
import { authenticatePartner } from "../plugins/partner-auth.js";
import { ErrorSchema, errorResponses } from "../schemas/common.js";
import { BuilderRefSchema } from "./builders.js";

const security = [{ partnerKey: [] }];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const BuilderParams = z.object({ builder: BuilderRefSchema });
const SessionTypeParams = z.object({
  builder: BuilderRefSchema,
  sessionTypeId: z.string().regex(UUID, "must be a session type id (UUID)").describe("Session type id"),
});

const createExample = {
  slug: "ada-lovelace",
  name: "Ada Lovelace",
  headline: "Analytical engines and the programs that drive them",
  contactEmail: "ada@example.com",
  calendlyEventUrl: "https://calendly.com/ada-lovelace/architecture-review",
  refundPolicy: "CUTOFF",
  refundCutoffHours: 24,
};

const writeErrors = { ...errorResponses, 404: ErrorSchema, 409: ErrorSchema };

const partnerBuilders: FastifyPluginAsyncZod = async (fastify) => {
  const prisma = () => fastify.db.prisma;

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
    async () => ({ data: await listBuilders(prisma()) }),
  );

  fastify.get(
    "/v1/partner/builders/:builder",
    {
      onRequest: authenticatePartner("builders:read"),
      schema: {
        tags: ["partner"],
        summary: "One builder, its session types, and its Calendly connection and event types",
        description:
          "Requires the `builders:read` scope. `calendly` shows the connection (never a token) and the " +
          "builder's Calendly event types, read with their own token.",
        security,
        params: BuilderParams,
        response: { 200: PartnerBuilderResponseSchema, ...errorResponses, 404: ErrorSchema },
      },
    },
    async (request) => {
      const view = await getBuilder(prisma(), request.params.builder);
      return { ...view, calendly: await calendlyConnectionView(domainContext(fastify, request.log), view.id) };
    },
  );

  fastify.post(
    "/v1/partner/builders",
    {
      onRequest: authenticatePartner("builders:write"),
      schema: {
        tags: ["partner"],
        summary: "Create a builder",
        description:
          "Requires the `builders:write` scope. The builder is bookable once it has a `calendlyEventUrl` and an " +
          "active session type. Answers 409 `builder_slug_taken` when the slug is in use.",
        security,
        body: BuilderCreateSchema.meta({ examples: [createExample] }),
        response: { 201: PartnerBuilderResponseSchema, ...writeErrors },
      },
    },
    async (request, reply) => reply.code(201).send(await createBuilder(prisma(), request.body)),
  );

  fastify.patch(
    "/v1/partner/builders/:builder",
    {
      onRequest: authenticatePartner("builders:write"),
      schema: {
        tags: ["partner"],
        summary: "Change a builder: profile, Calendly event, refund policy; `active: false` deactivates it",
        description:
          "Requires the `builders:write` scope. Only the fields sent change. A new `calendlyEventUrl` is " +
          "verified against Calendly's API on the next booking.",
        security,
        params: BuilderParams,
        body: BuilderUpdateSchema.meta({ examples: [{ refundPolicy: "NONE" }, { active: false }] }),
        response: { 200: PartnerBuilderResponseSchema, ...writeErrors },
      },
    },
    async (request) => updateBuilder(prisma(), request.params.builder, request.body),
  );

  fastify.post(
    "/v1/partner/builders/:builder/session-types",
    {
      onRequest: authenticatePartner("builders:write"),
      schema: {
        tags: ["partner"],
        summary: "Add a session type with its price",
        description:
          "Requires the `builders:write` scope. `price.amount` is in minor units (0: free, no checkout); " +
          "`price.currency` is an ISO 4217 code. With `calendlyEventTypeUri` (one of the builder's Calendly " +
          "event types, checked with Calendly) the session is booked on that event type's page, and `name` and " +
          "`durationMinutes` default to the event type's.",
        security,
        params: BuilderParams,
        body: SessionTypeCreateSchema.meta({
          examples: [{ name: "Architecture review", durationMinutes: 60, price: { amount: 15000, currency: "usd" } }],
        }),
        response: {
          201: PartnerSessionTypeResponseSchema,
          ...errorResponses,
          404: ErrorSchema,
          409: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const { builder } = request.params;
      const uri = request.body.calendlyEventTypeUri;
      const eventType = uri ? await builderEventType(domainContext(fastify, request.log), builder, uri) : undefined;
      const attached = eventType && {
        uri: eventType.uri,
        name: eventType.name,
        durationMinutes: eventType.duration,
        schedulingUrl: eventType.scheduling_url,
      };
      return reply.code(201).send(await addSessionType(prisma(), builder, request.body, attached));
    },
  );

  fastify.patch(
    "/v1/partner/builders/:builder/session-types/:sessionTypeId",
    {
      onRequest: authenticatePartner("builders:write"),
      schema: {
        tags: ["partner"],
        summary: "Change a session type; `active: false` deactivates it",
        description:
          "Requires the `builders:write` scope. Only the fields sent change. A new price applies to checkouts " +
          "opened from then on.",
        security,
        params: SessionTypeParams,
        body: SessionTypeUpdateSchema.meta({
          examples: [{ price: { amount: 18000, currency: "usd" } }, { active: false }],
        }),
        response: { 200: PartnerSessionTypeResponseSchema, ...errorResponses, 404: ErrorSchema },
      },
    },
    async (request) => updateSessionType(prisma(), request.params.builder, request.params.sessionTypeId, request.body),
  );
};

export default partnerBuilders;
