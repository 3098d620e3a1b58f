// Exactly-once webhook ingestion for both providers: every delivery is logged, the event is
// stored once per provider event id, one worker at a time processes it, and a failure
// answers non-2xx so the provider retries.
import type { SignatureResult, WebhookProvider } from "../../generated/prisma/client.js";
import type { DomainContext } from "../context.js";
import { SideEffectInProgressError } from "../side-effects.js";

export interface IncomingEvent {
  provider: WebhookProvider;
  eventId: string;
  type: string;
  payload: unknown;
}

export interface IngestResult {
  statusCode: 200 | 409 | 500;
  body: { received: boolean; duplicate?: boolean; outcome?: string; error?: string; message?: string };
}

export type Handler = () => Promise<string>;

export async function logRejectedDelivery(
  ctx: DomainContext,
  provider: WebhookProvider,
  signature: SignatureResult,
  error: string,
): Promise<void> {
  await ctx.prisma.webhookDelivery.create({ data: { provider, signature, responseStatus: 400, error } });
  ctx.metrics.webhooks.inc({ provider: provider.toLowerCase(), type: "unknown", result: "rejected" });
}

// Stores a first delivery already claimed, or claims a stored event that may be (re)processed:
// never processed, failed, or locked by a worker that died. No row back: processed or in progress.
export const STORE_AND_CLAIM = `
INSERT INTO "WebhookEvent" (id, provider, "providerEventId", type, payload, status, attempts, "lockedAt")
VALUES (gen_random_uuid(), $1::"WebhookProvider", $2, $3, $4::jsonb, 'PROCESSING', 1, now())
ON CONFLICT (provider, "providerEventId") DO UPDATE
   SET status = 'PROCESSING', attempts = "WebhookEvent".attempts + 1, "lockedAt" = now()
 WHERE "WebhookEvent".status IN ('RECEIVED', 'FAILED')
    OR ("WebhookEvent".status = 'PROCESSING' AND "WebhookEvent"."lockedAt" < now() - $5 * interval '1 millisecond')
RETURNING id`;

// Marks a claimed event done and logs its delivery in one statement.
export const FINISH = `
WITH done AS (
  UPDATE "WebhookEvent" SET status = $2::"WebhookStatus", "lockedAt" = NULL, "processedAt" = now(), "lastError" = NULL
   WHERE id = $1::uuid RETURNING id, provider, "providerEventId", type)
INSERT INTO "WebhookDelivery" (id, provider, "eventId", "providerEventId", type, signature, duplicate, "responseStatus")
SELECT gen_random_uuid(), provider, id, "providerEventId", type, 'VALID', false, 200 FROM done`;

async function storeAndClaim(ctx: DomainContext, incoming: IncomingEvent): Promise<string | null> {
  const { rows } = await ctx.sql.query<{ id: string }>(STORE_AND_CLAIM, [
    incoming.provider,
    incoming.eventId,
    incoming.type,
    JSON.stringify(incoming.payload),
    ctx.config.timeouts.webhookLockMs,
  ]);
  return rows[0]?.id ?? null;
}

export async function ingest(
  ctx: DomainContext,
  incoming: IncomingEvent,
  handle: Handler | null,
): Promise<IngestResult> {
  const providerLabel = incoming.provider.toLowerCase();
  const claimedId = await storeAndClaim(ctx, incoming);
  const event = claimedId
    ? { id: claimedId, status: "PROCESSING" as const }
    : await ctx.prisma.webhookEvent.findUniqueOrThrow({
        where: { provider_providerEventId: { provider: incoming.provider, providerEventId: incoming.eventId } },
        select: { id: true, status: true },
      });
  const record = (responseStatus: number, extra: { duplicate?: boolean; error?: string } = {}) =>
    ctx.prisma.webhookDelivery.create({
      data: {
        provider: incoming.provider,
        eventId: event.id,
        providerEventId: incoming.eventId,
        type: incoming.type,
        signature: "VALID",
        responseStatus,
        duplicate: extra.duplicate ?? false,
        error: extra.error ?? null,
      },
    });
  const count = (result: string) => ctx.metrics.webhooks.inc({ provider: providerLabel, type: incoming.type, result });

  if (!claimedId && (event.status === "PROCESSED" || event.status === "IGNORED")) {
    await record(200, { duplicate: true });
    count("duplicate");
    return { statusCode: 200, body: { received: true, duplicate: true } };
  }
  if (!claimedId) {
    // Another delivery of this event is being processed right now: ask to be retried.
    await record(409, { duplicate: true });
    count("in_progress");
    return {
      statusCode: 409,
      body: { received: false, error: "in_progress", message: "this event is being processed; retry later" },
    };
  }
  if (!handle) {
    await ctx.sql.query(FINISH, [event.id, "IGNORED"]);
    count("ignored");
    return { statusCode: 200, body: { received: true, outcome: "ignored" } };
  }
  try {
    const outcome = await handle();
    await ctx.sql.query(FINISH, [event.id, "PROCESSED"]);
    count("processed");
    return { statusCode: 200, body: { received: true, outcome } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await ctx.prisma.webhookEvent.update({
      where: { id: event.id },
      data: { status: "FAILED", lockedAt: null, lastError: message.slice(0, 1000) },
    });
    if (error instanceof SideEffectInProgressError) {
      // Applied, but an effect it needs is still in another worker's hands: ask to be retried.
      await record(409, { error: message.slice(0, 500) });
      count("in_progress");
      return { statusCode: 409, body: { received: false, error: "in_progress", message } };
    }
    await record(500, { error: message.slice(0, 500) });
    count("failed");
    ctx.log.warn({ eventId: incoming.eventId, type: incoming.type, err: error }, "webhook processing failed");
    return {
      statusCode: 500,
      body: { received: false, error: "processing_failed", message: "processing failed; the provider should retry" },
    };
  }
}
