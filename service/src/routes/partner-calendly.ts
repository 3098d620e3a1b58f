// Builders connect their own Calendly (OAuth): the partner starts the connection and gets
// Calendly's consent page; Calendly sends the builder back to the callback, which stores the
// connection and returns them to the partner's page with the outcome.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { CalendlyConnectionSchema, CalendlyConnectStartedSchema } from "../contract/index.js";
import { completeCallback, disconnect, startConnect } from "../domain/calendly-connections/connect.js";
import { calendlyConnectionView } from "../domain/calendly-connections/view.js";
import { domainContext } from "../domain/context.js";
import { authenticatePartner, partnerKeyOf } from "../plugins/partner-auth.js";
import { ErrorSchema, errorResponses, text } from "../schemas/common.js";
import { BuilderRefSchema } from "./builders.js";

const security = [{ partnerKey: [] }];

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
        response: { 200: CalendlyConnectStartedSchema, ...errorResponses, 409: ErrorSchema },
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
