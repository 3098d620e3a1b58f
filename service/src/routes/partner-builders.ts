// Partner routes for the catalogue: list builders (`builders:read`); create and edit builders and
// their session types (`builders:write`). Registered inside the partner plugin, behind its auth.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  PartnerBuilderListSchema,
  PartnerBuilderResponseSchema,
  PartnerSessionTypeResponseSchema,
} from "../contract/index.js";
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
        summary: "One builder and its session types",
        description: "Requires the `builders:read` scope.",
        security,
        params: BuilderParams,
        response: { 200: PartnerBuilderResponseSchema, ...errorResponses, 404: ErrorSchema },
      },
    },
    async (request) => getBuilder(prisma(), request.params.builder),
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
          "`price.currency` is an ISO 4217 code.",
        security,
        params: BuilderParams,
        body: SessionTypeCreateSchema.meta({
          examples: [{ name: "Architecture review", durationMinutes: 60, price: { amount: 15000, currency: "usd" } }],
        }),
        response: { 201: PartnerSessionTypeResponseSchema, ...errorResponses, 404: ErrorSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addSessionType(prisma(), request.params.builder, request.body)),
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
