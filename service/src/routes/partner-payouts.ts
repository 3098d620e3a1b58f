// Marketplace mode (PAYOUTS_MODE=connect): a builder's payout account. Partners start or resume
// Stripe's onboarding (`builders:write`), read its status (`builders:read`), and set the
// builder's platform-fee override and Checkout options. The refresh route is where Stripe sends a
// builder whose onboarding link expired: it answers with a fresh link.
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { CheckoutOptionsSchema, OnboardingLinkSchema, PayoutsSchema } from "../contract/index.js";
import { domainContext } from "../domain/context.js";
import {
  getPayouts,
  ONBOARDING_REFRESH_PATH,
  refreshOnboarding,
  setFeeOverride,
  startOnboarding,
} from "../domain/payouts/accounts.js";
import { readOnboardingToken } from "../domain/payouts/onboarding-token.js";
import { payoutAccountCounts, setCheckoutOptions } from "../domain/payouts/queries.js";
import { isAllowedReturnUrl } from "../domain/return-urls.js";
import { AppError, badRequest } from "../lib/errors.js";
import { authenticatePartner, partnerKeyOf } from "../plugins/partner-auth.js";
import { ErrorSchema, errorResponses, storable, text } from "../schemas/common.js";
import { BuilderRefSchema } from "./builders.js";

const security = [{ partnerKey: [] }];

const allowlisted = (field: string) =>
  storable(z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }))
    .max(2000)
    .describe(`Must be on the partner key's return-URL allowlist (${field})`);

const ConnectBodySchema = z
  .object({
    returnUrl: allowlisted("returnUrl").describe(
      "Where Stripe sends the builder when they leave onboarding; must be on the key's return-URL allowlist",
    ),
    refreshUrl: allowlisted("refreshUrl")
      .optional()
      .describe(
        "Where Stripe sends the builder when the link expired; must be on the allowlist. Default: this " +
          "service's refresh route, which answers with a fresh link",
      ),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 country code, e.g. US")
      .optional()
      .describe("Country of a new connected account (default: the platform's)"),
  })
  .strict();

const FeeSchema = z
  .object({
    percentBps: z
      .number()
      .int("must be a whole number of basis points")
      .min(0, "must be 0 or more")
      .max(10_000, "must be at most 10000 (100 %)"),
    fixedAmount: z.number().int("must be whole minor units").min(0, "must be 0 or more").max(100_000_000),
  })
  .strict();

const PayoutsPatchSchema = z
  .object({
    platformFee: FeeSchema.nullable().describe("This builder's fee override; null returns to the operator's default"),
  })
  .strict();

const BuilderParams = z.object({ builder: BuilderRefSchema });

/** This service's base URL as the builder's browser reaches it: PUBLIC_URL, else the request's own. */
function serviceBase(request: FastifyRequest, publicUrl: string | undefined): string {
  return (publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, "");
}

const partnerPayouts: FastifyPluginAsyncZod = async (fastify) => {
  // /metrics shows the payout accounts by status, and those whose last payout failed.
  fastify.metrics.payoutAccountCounts = () => payoutAccountCounts(fastify.db.prisma);

  fastify.post(
    "/v1/partner/builders/:builder/payouts/connect",
    {
      onRequest: authenticatePartner("builders:write"),
      schema: {
        tags: ["partner"],
        summary: "Start or resume the builder's Stripe onboarding: an onboarding link",
        description:
          "Requires the `builders:write` scope and PAYOUTS_MODE=connect (409 `payouts_not_connect` otherwise). " +
          "Creates the builder's connected account on the first call (and after a disconnection), and answers " +
          "with a fresh single-use Account Link each time. `returnUrl` and `refreshUrl` must be on the key's " +
          "return-URL allowlist.",
        security,
        params: BuilderParams,
        body: ConnectBodySchema,
        response: { 200: OnboardingLinkSchema, ...errorResponses, 409: ErrorSchema, 502: ErrorSchema },
      },
    },
    async (request) => {
      const key = partnerKeyOf(request);
      const { returnUrl, refreshUrl, country } = request.body;
      for (const [field, url] of [
        ["returnUrl", returnUrl],
        ["refreshUrl", refreshUrl],
      ] as const) {
        if (url !== undefined && !isAllowedReturnUrl(url, key.returnUrlAllowlist)) {
          throw badRequest(field, "is not on this partner key's return-URL allowlist");
        }
      }
      return startOnboarding(
        domainContext(fastify, request.log),
        request.params.builder,
        { returnUrl, refreshUrl, country },
        serviceBase(request, fastify.config.publicUrl),
      );
    },
  );

  fastify.get(
    "/v1/partner/builders/:builder/payouts",
    {
      onRequest: authenticatePartner("builders:read"),
      schema: {
        tags: ["partner"],
        summary: "The builder's payout account status and platform fee",
        description: "Requires the `builders:read` scope.",
        security,
        params: BuilderParams,
        response: { 200: PayoutsSchema, ...errorResponses },
      },
    },
    async (request) => getPayouts(domainContext(fastify, request.log), request.params.builder),
  );

  fastify.patch(
    "/v1/partner/builders/:builder/payouts",
    {
      onRequest: authenticatePartner("builders:write"),
      schema: {
        tags: ["partner"],
        summary: "Set or remove the builder's platform-fee override",
        description:
          "Requires the `builders:write` scope. The fee applies to checkouts opened from then on; a payment " +
          "keeps the fee it was opened with.",
        security,
        params: BuilderParams,
        body: PayoutsPatchSchema.meta({
          examples: [{ platformFee: { percentBps: 500, fixedAmount: 0 } }, { platformFee: null }],
        }),
        response: { 200: PayoutsSchema, ...errorResponses },
      },
    },
    async (request) =>
      setFeeOverride(domainContext(fastify, request.log), request.params.builder, request.body.platformFee),
  );

  fastify.patch(
    "/v1/partner/builders/:builder/checkout-options",
    {
      onRequest: authenticatePartner("builders:write"),
      schema: {
        tags: ["partner"],
        summary: "Checkout options for the builder's sessions (promotion codes)",
        description:
          "Requires the `builders:write` scope. Promotion codes are offered when the builder or the booking's " +
          "site allows them; the codes themselves are made in the Stripe Dashboard.",
        security,
        params: BuilderParams,
        body: CheckoutOptionsSchema,
        response: { 200: CheckoutOptionsSchema, ...errorResponses },
      },
    },
    async (request) => setCheckoutOptions(fastify.db.prisma, request.params.builder, request.body),
  );

  fastify.get(
    ONBOARDING_REFRESH_PATH,
    {
      schema: {
        tags: ["public"],
        summary: "Where Stripe sends a builder whose onboarding link expired: redirects to a fresh one",
        querystring: z.object({
          token: text().min(1).max(4000).describe("From the refresh_url the link was made with"),
        }),
        response: { 303: z.null(), 400: ErrorSchema, 409: ErrorSchema, 410: ErrorSchema, 502: ErrorSchema },
      },
    },
    async (request, reply) => {
      const claims = readOnboardingToken(fastify.config.bookingTokenSecret, request.query.token);
      if (!claims) {
        throw new AppError(400, "onboarding_token_invalid", "token: is not a valid, unexpired onboarding token", {
          field: "token",
        });
      }
      const refreshUrl = `${serviceBase(request, fastify.config.publicUrl)}${ONBOARDING_REFRESH_PATH}?token=${encodeURIComponent(request.query.token)}`;
      const url = await refreshOnboarding(domainContext(fastify, request.log), claims, refreshUrl);
      return reply.code(303).header("location", url).header("cache-control", "no-store").send(null);
    },
  );
};

export default partnerPayouts;
