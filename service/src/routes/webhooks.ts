// Signed webhook endpoints. The body is kept raw (a Buffer) because signatures cover the
// exact bytes; the parser is scoped to this plugin.
import type { FastifyPluginAsync } from "fastify";
import type Stripe from "stripe";
import { z } from "zod";
import { domainContext } from "../domain/context.js";
import { calendlyEventId, calendlyHandler } from "../domain/webhooks/calendly-events.js";
import { parseCalendlyBody } from "../domain/webhooks/calendly-payload.js";
import { ingest, logRejectedDelivery } from "../domain/webhooks/ingest.js";
import { stripeHandler } from "../domain/webhooks/stripe-events.js";
import type { SignatureResult } from "../generated/prisma/client.js";
import { verifySignature } from "../providers/webhook-signature.js";
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
    500: z.union([ReceiptSchema, ErrorSchema]),
  },
});

function stripeSignatureResult(error: unknown): SignatureResult {
  const message = error instanceof Error ? error.message : "";
  if (/tolerance/i.test(message)) return "STALE";
  if (/No stripe-signature header|Unable to extract timestamp/i.test(message)) return "MISSING";
  return "INVALID";
}

const webhooks: FastifyPluginAsync = async (fastify) => {
  fastify.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 512 * 1024 }, (_req, body, done) => {
    done(null, body);
  });
  fastify.removeContentTypeParser("application/json");
  fastify.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: 512 * 1024 }, (_req, body, done) => {
    done(null, body);
  });

  fastify.post("/webhooks/stripe", { schema: webhookSchema("Stripe", "Stripe-Signature") }, async (request, reply) => {
    const ctx = domainContext(fastify, request.log);
    const raw = request.body as Buffer;
    const header = request.headers["stripe-signature"];
    let event: Stripe.Event;
    try {
      event = fastify.providers.stripe.webhooks.constructEvent(
        raw,
        typeof header === "string" ? header : "",
        fastify.config.stripe.webhookSecret,
        STRIPE_TOLERANCE_SECONDS,
      );
    } catch (error) {
      const signature = stripeSignatureResult(error);
      await logRejectedDelivery(ctx, "STRIPE", signature, `signature ${signature.toLowerCase()}`);
      return reply
        .code(400)
        .send({ received: false, error: "signature_invalid", message: `Stripe-Signature: ${signature.toLowerCase()}` });
    }
    if (!StripeEventSchema.safeParse(event).success) {
      await logRejectedDelivery(ctx, "STRIPE", "VALID", "body is not a Stripe event");
      return reply.code(400).send({ received: false, error: "invalid_body", message: "body: is not a Stripe event" });
    }
    const result = await ingest(
      ctx,
      { provider: "STRIPE", eventId: event.id, type: event.type, payload: event },
      stripeHandler(ctx, event),
    );
    return reply.code(result.statusCode).send(result.body);
  });

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
        const signature: SignatureResult =
          check.reason === "missing" ? "MISSING" : check.reason === "stale" ? "STALE" : "INVALID";
        await logRejectedDelivery(ctx, "CALENDLY", signature, `signature ${check.reason}`);
        return reply.code(400).send({
          received: false,
          error: "signature_invalid",
          message: `Calendly-Webhook-Signature: ${check.reason}`,
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString("utf8"));
      } catch {
        json = undefined;
      }
      const checked = parseCalendlyBody(json);
      if (!checked.ok) {
        await logRejectedDelivery(ctx, "CALENDLY", "VALID", `body is not a Calendly event: ${checked.field}`);
        return reply.code(400).send({ received: false, error: "invalid_body", message: checked.message });
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
