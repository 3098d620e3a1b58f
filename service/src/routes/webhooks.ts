// Signed webhook endpoints. The body is kept raw (a Buffer) because signatures cover the
// exact bytes; the parser is scoped to this plugin.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import Stripe from "stripe";
import { z } from "zod";
import { type DomainContext, domainContext } from "../domain/context.js";
import { calendlyEventId, calendlyHandler } from "../domain/webhooks/calendly-events.js";
import { parseCalendlyBody } from "../domain/webhooks/calendly-payload.js";
import { connectHandler } from "../domain/webhooks/connect-events.js";
import { type Handler, ingest } from "../domain/webhooks/ingest.js";
import { RejectedDeliveries } from "../domain/webhooks/rejected-deliveries.js";
import { stripeHandler } from "../domain/webhooks/stripe-events.js";
import type { SignatureResult, WebhookProvider } from "../generated/prisma/client.js";
import {
  type SignatureCheck,
  signatureTimestamp,
  verifySignature,
  withinTolerance,
} from "../providers/webhook-signature.js";
import { ErrorSchema } from "../schemas/common.js";

export const STRIPE_TOLERANCE_SECONDS = 300;
export const CALENDLY_TOLERANCE_SECONDS = 180;

/** What the handlers rely on in a Stripe event; the signature says who sent it, not that it is one. */
const StripeEventSchema = z.looseObject({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.looseObject({ object: z.looseObject({}) }),
});

const ReceiptSchema = z.object({
  received: z.boolean(),
  duplicate: z.boolean().optional(),
  outcome: z.string().optional(),
  error: z.string().optional(),
  message: z.string().optional(),
});

const webhookSchema = (provider: string, header: string) => ({
  tags: ["webhooks"],
  summary: `${provider} webhook (signed with ${header})`,
  headers: z.object({ [header.toLowerCase()]: z.string().optional() }).passthrough(),
  // 400 and 500 may also come from the app's error handler (ErrorSchema): a body that matched
  // neither would turn the answer into a serialization failure.
  response: {
    200: ReceiptSchema,
    400: z.union([ReceiptSchema, ErrorSchema]),
    409: ReceiptSchema,
    429: ErrorSchema,
    500: z.union([ReceiptSchema, ErrorSchema]),
  },
});

/** How a refused signature is recorded: missing, stale, or invalid (malformed or not matching). */
function signatureResult(check: SignatureCheck): SignatureResult {
  if (check.ok) return "VALID";
  return check.reason === "missing" ? "MISSING" : check.reason === "stale" ? "STALE" : "INVALID";
}

const webhooks: FastifyPluginAsync = async (fastify) => {
  const { rateLimit } = fastify.config;
  const rejected = new RejectedDeliveries({
    perClient: rateLimit.max,
    storedPerWindow: rateLimit.max,
    windowMs: rateLimit.windowSeconds * 1000,
  });
  /** Records a refused delivery and answers it: 400 with its receipt, or 429 once its client sent too many. */
  const refuse = async (
    request: FastifyRequest,
    reply: FastifyReply,
    rejection: { provider: WebhookProvider; signature: SignatureResult; error: string },
    receipt: { error: string; message: string },
  ) => {
    const outcome = await rejected.record(domainContext(fastify, request.log), {
      ...rejection,
      clientAddress: request.ip,
    });
    if (outcome === "limited") {
      reply.header("retry-after", String(rateLimit.windowSeconds));
      return reply.code(429).send({
        statusCode: 429,
        error: "rate_limited",
        message: `Too many refused webhook deliveries from this address; retry after ${rateLimit.windowSeconds} s`,
        retryable: true,
      });
    }
    return reply.code(400).send({ received: false, ...receipt });
  };

  fastify.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 512 * 1024 }, (_req, body, done) => {
    done(null, body);
  });
  fastify.removeContentTypeParser("application/json");
  fastify.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: 512 * 1024 }, (_req, body, done) => {
    done(null, body);
  });

  /**
   * A Stripe endpoint: the platform's own (`/webhooks/stripe`) or the Connect one for the
   * builders' connected accounts (`/webhooks/stripe/connect`), each with its own signing secret.
   * Both feed the same delivery log and dedupe, under their own provider.
   */
  const stripeEndpoint = (
    url: string,
    provider: "STRIPE" | "STRIPE_CONNECT",
    secret: () => string,
    handler: (ctx: DomainContext, event: Stripe.Event) => Handler | null,
    summary: string,
  ) =>
    fastify.post(
      url,
      { schema: { ...webhookSchema("Stripe", "Stripe-Signature"), summary } },
      async (request, reply) => {
        const ctx = domainContext(fastify, request.log);
        const raw = request.body as Buffer;
        const header = request.headers["stripe-signature"];
        const signed = typeof header === "string" ? header : undefined;
        const webhookSecret = secret();
        const refuseSignature = (signature: SignatureResult) =>
          refuse(
            request,
            reply,
            { provider, signature, error: `signature ${signature.toLowerCase()}` },
            { error: "signature_invalid", message: `Stripe-Signature: ${signature.toLowerCase()}` },
          );
        const notAnEvent = () =>
          refuse(
            request,
            reply,
            { provider, signature: "VALID", error: "body is not a Stripe event" },
            { error: "invalid_body", message: "body: is not a Stripe event" },
          );
        // No secret (Connect off and none set): nothing can verify, so nothing is accepted.
        if (!webhookSecret) return refuseSignature("INVALID");
        let event: Stripe.Event;
        try {
          event = fastify.providers.stripe.webhooks.constructEvent(
            raw,
            signed ?? "",
            webhookSecret,
            STRIPE_TOLERANCE_SECONDS,
          );
        } catch (error) {
          // Anything else comes after the signature was accepted: a body that is not JSON.
          if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) return notAnEvent();
          // The library's errors differ only in their text; the reason is read from the header itself.
          const check = verifySignature(signed, raw, webhookSecret, STRIPE_TOLERANCE_SECONDS);
          return refuseSignature(check.ok ? "INVALID" : signatureResult(check));
        }
        // Stripe's library bounds a signature's age only: bound its time from the future too.
        const signedAt = signatureTimestamp(signed) ?? 0;
        if (!withinTolerance(signedAt, STRIPE_TOLERANCE_SECONDS, Math.floor(Date.now() / 1000))) {
          return refuseSignature("STALE");
        }
        if (!StripeEventSchema.safeParse(event).success) return notAnEvent();
        const result = await ingest(
          ctx,
          { provider, eventId: event.id, type: event.type, payload: event },
          handler(ctx, event),
        );
        return reply.code(result.statusCode).send(result.body);
      },
    );

  stripeEndpoint(
    "/webhooks/stripe",
    "STRIPE",
    () => fastify.config.stripe.webhookSecret,
    stripeHandler,
    "Stripe webhook (signed with Stripe-Signature)",
  );
  stripeEndpoint(
    "/webhooks/stripe/connect",
    "STRIPE_CONNECT",
    () => fastify.config.stripe.connectWebhookSecret,
    connectHandler,
    "Stripe Connect webhook: events of the builders' connected accounts (signed with Stripe-Signature)",
  );

  fastify.post(
    "/webhooks/calendly",
    { schema: webhookSchema("Calendly", "Calendly-Webhook-Signature") },
    async (request, reply) => {
      const ctx = domainContext(fastify, request.log);
      const raw = request.body as Buffer;
      const header = request.headers["calendly-webhook-signature"];
      const check = verifySignature(
        typeof header === "string" ? header : undefined,
        raw,
        fastify.config.calendly.webhookSigningKey,
        CALENDLY_TOLERANCE_SECONDS,
      );
      if (!check.ok) {
        const signature = signatureResult(check);
        return refuse(
          request,
          reply,
          { provider: "CALENDLY", signature, error: `signature ${check.reason}` },
          { error: "signature_invalid", message: `Calendly-Webhook-Signature: ${check.reason}` },
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString("utf8"));
      } catch {
        json = undefined;
      }
      const checked = parseCalendlyBody(json);
      if (!checked.ok) {
        return refuse(
          request,
          reply,
          { provider: "CALENDLY", signature: "VALID", error: `body is not a Calendly event: ${checked.field}` },
          { error: "invalid_body", message: checked.message },
        );
      }
      const body = checked.body;
      const result = await ingest(
        ctx,
        { provider: "CALENDLY", eventId: calendlyEventId(body), type: body.event, payload: body },
        calendlyHandler(ctx, body),
      );
      return reply.code(result.statusCode).send(result.body);
    },
  );
};

export default webhooks;
