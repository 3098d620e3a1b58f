// Exactly-once webhook ingestion for both providers: every delivery is logged, the event is
// stored once per provider event id, one worker at a time processes it, and a failure
// answers non-2xx so the provider retries.
import { finishEvent, storeAndClaimEvent } from "../../db/hot-paths.js";
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

export async function ingest(
  ctx: DomainContext,
  incoming: IncomingEvent,
  handle: Handler | null,
): Promise<IngestResult> {
  const providerLabel = incoming.provider.toLowerCase();
  const claimedId = await storeAndClaimEvent(ctx.sql, incoming, ctx.config.timeouts.webhookLockMs);
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
    await finishEvent(ctx.sql, event.id, "IGNORED");
    count("ignored");
    return { statusCode: 200, body: { received: true, outcome: "ignored" } };
  }
  try {
    const outcome = await handle();
    await finishEvent(ctx.sql, event.id, "PROCESSED");
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
