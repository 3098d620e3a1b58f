// Builders connect their own Calendly (OAuth): the partner starts the connection and gets
// Calendly's consent page; Calendly sends the builder back to the callback, which stores the
// connection and returns them to the partner's page with the outcome.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { completeCallback, disconnect, startConnect } from "../domain/calendly-connections/connect.js";
import { calendlyConnectionView } from "../domain/calendly-connections/view.js";
import { domainContext } from "../domain/context.js";
import { authenticatePartner, partnerKeyOf } from "../plugins/partner-auth.js";
import { ErrorSchema, errorResponses, text } from "../schemas/common.js";
import { BuilderRefSchema } from "./builders.js";

const security = [{ partnerKey: [] }];

const exampleConnection = {
  mode: "oauth",
  connected: true,
  reason: null,
  disconnectReason: null,
  user: { uri: "https://api.calendly.com/users/AAAAAAAAAAAAAAAA", name: "Ada Lovelace" },
  scopes: ["users:read", "event_types:read", "scheduled_events:read", "scheduled_events:write", "webhooks:write"],
  webhook: { state: "active", checkedAt: "2026-03-02T15:00:00.000Z" },
  connectedAt: "2026-03-02T14:58:12.000Z",
  eventTypes: [
    {
      uri: "https://api.calendly.com/event_types/BBBBBBBBBBBBBBBB",
      name: "Architecture review",
      durationMinutes: 60,
      schedulingUrl: "https://calendly.com/ada-lovelace/architecture-review",
      active: true,
    },
  ],
};

export const CalendlyConnectionSchema = z
  .object({
    mode: z
      .enum(["oauth", "token", "none"])
      .describe("oauth: the builder's own Calendly; token: the operator's CALENDLY_TOKEN; none: not connected"),
    connected: z.boolean(),
    reason: z
      .string()
      .nullable()
      .describe("Why it is not connected: calendly_disconnected (connect again) or calendly_not_connected"),
    disconnectReason: z
      .string()
      .nullable()
      .describe("refresh_rejected, token_revoked or disconnected_by_partner, once disconnected"),
    user: z.object({ uri: z.string(), name: z.string() }).nullable().describe("The Calendly user it acts for"),
    scopes: z.array(z.string()).describe("The scopes the builder granted"),
    webhook: z.object({
      state: z
        .string()
        .nullable()
        .describe("The builder's webhook subscription: active, or failed (the health check retries)"),
      checkedAt: z.string().nullable(),
    }),
    connectedAt: z.string().nullable(),
    eventTypes: z
      .array(
        z.object({
          uri: z.string().describe("Pass as calendlyEventTypeUri to attach a session type"),
          name: z.string(),
          durationMinutes: z.number().int(),
          schedulingUrl: z.string(),
          active: z.boolean(),
        }),
      )
      .nullable()
      .describe("The builder's Calendly event types; null without a connection or when Calendly could not be read"),
    eventTypesError: z
      .string()
      .optional()
      .describe("Why eventTypes is null: calendly_rate_limited, calendly_unavailable, calendly_disconnected"),
  })
  .meta({ id: "CalendlyConnection", examples: [exampleConnection] });

const BuilderParams = z.object({ builder: BuilderRefSchema });

const ConnectBodySchema = z
  .object({
    returnUrl: text()
      .max(2000)
      .describe(
        "Where the builder lands afterwards, with `calendly=connected` or `calendly=error&reason=…`; " +
          "must be on the key's return-URL allowlist",
      ),
  })
  .strict()
  .meta({ examples: [{ returnUrl: "https://market.example/become-a-builder" }] });

const ConnectResponseSchema = z
  .object({
    authorizeUrl: z.string().describe("Calendly's consent page: send the builder's browser there"),
    expiresAt: z.string().describe("The request must be completed by then (10 minutes)"),
  })
  .meta({ id: "CalendlyConnectStarted" });

const CallbackQuerySchema = z.object({
  state: text().max(200).optional(),
  code: text().max(2000).optional(),
  error: text().max(200).optional(),
  error_description: text().max(2000).optional(),
});

const partnerCalendly: FastifyPluginAsyncZod = async (fastify) => {
  fastify.post(
    "/v1/partner/builders/:builder/calendly/connect",
    {
      onRequest: authenticatePartner("builders:write"),
      schema: {
        tags: ["partner"],
        summary: "Start connecting a builder's own Calendly (OAuth): get Calendly's consent page",
        description:
          "Requires the `builders:write` scope. Send the builder's browser to `authorizeUrl`. After they " +
          "allow (or deny) access, Calendly returns them to the service, which stores the connection, " +
          "subscribes to their bookings, and redirects to `returnUrl` with `calendly=connected`, or " +
          "`calendly=error&reason=` consent_denied, state_expired, state_used, code_rejected, scopes_missing, " +
          "calendly_rate_limited or calendly_unavailable. Answers 409 `calendly_oauth_unconfigured` when the " +
          "service has no Calendly OAuth app.",
        security,
        params: BuilderParams,
        body: ConnectBodySchema,
        response: { 200: ConnectResponseSchema, ...errorResponses, 409: ErrorSchema },
      },
    },
    async (request) => {
      const key = partnerKeyOf(request);
      return startConnect(domainContext(fastify, request.log), {
        builder: request.params.builder,
        returnUrl: request.body.returnUrl,
        partnerKeyId: key.id,
        allowlist: key.returnUrlAllowlist,
      });
    },
  );

  fastify.delete(
    "/v1/partner/builders/:builder/calendly",
    {
      onRequest: authenticatePartner("builders:write"),
      schema: {
        tags: ["partner"],
        summary: "Disconnect a builder's Calendly: revoke the tokens, delete the webhook subscription",
        description:
          "Requires the `builders:write` scope. The builder becomes unavailable (reason " +
          "`calendly_disconnected`) until they connect again. Answers 404 `calendly_not_connected` when " +
          "there is no connection.",
        security,
        params: BuilderParams,
        response: { 200: CalendlyConnectionSchema, ...errorResponses, 404: ErrorSchema },
      },
    },
    async (request) => {
      const ctx = domainContext(fastify, request.log);
      const builderId = await disconnect(ctx, request.params.builder);
      return calendlyConnectionView(ctx, builderId);
    },
  );

  fastify.get(
    "/oauth/calendly/callback",
    {
      schema: {
        tags: ["public"],
        summary: "Calendly's OAuth redirect URI (register it with the Calendly OAuth app)",
        description:
          "Calendly sends the builder's browser here after consent. Redirects (303) to the partner's " +
          "`returnUrl` with the outcome; answers 400 when `state` is missing or unknown (nothing to return to).",
        querystring: CallbackQuerySchema,
        response: { 303: z.null(), 400: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const outcome = await completeCallback(domainContext(fastify, request.log), request.query);
      if ("error" in outcome) throw outcome.error;
      reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
      return reply.redirect(outcome.redirect, 303);
    },
  );
};

export default partnerCalendly;
