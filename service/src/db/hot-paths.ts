// The service's plain SQL, typed: the statements on the hottest paths (webhook ingestion, the
// Checkout Session lookup), where Prisma's per-query cost dominated (docs/BENCHMARKS.md). Every
// other read and write goes through Prisma; the statements are exported for the benchmarks' plans.
import type { Payment, WebhookProvider } from "../generated/prisma/client.js";
import type { SqlExecutor } from "./migrate.js";

export const PAYMENT_BY_SESSION_OR_KEY = `SELECT * FROM "Payment" WHERE "checkoutSessionId" = $1 OR "idempotencyKey" = $2`;

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

// Keeps the newest `$2` rejected rows of a provider (rows of accepted deliveries point to their event).
export const PRUNE_REJECTED = `
DELETE FROM "WebhookDelivery" WHERE id IN (
  SELECT id FROM "WebhookDelivery"
   WHERE provider = $1::"WebhookProvider" AND "eventId" IS NULL
   ORDER BY "receivedAt" DESC, id DESC OFFSET $2)`;

/** The payments whose Checkout Session is `sessionId` or whose checkout key is `idempotencyKey`. */
export async function paymentsBySessionOrKey(
  sql: SqlExecutor,
  sessionId: string,
  idempotencyKey: string | null,
): Promise<Payment[]> {
  return (await sql.query<Payment>(PAYMENT_BY_SESSION_OR_KEY, [sessionId, idempotencyKey])).rows;
}

export interface IncomingEventRow {
  provider: WebhookProvider;
  eventId: string;
  type: string;
  payload: unknown;
}

/** Stores or claims the event; its id when this caller may process it, null when it may not. */
export async function storeAndClaimEvent(
  sql: SqlExecutor,
  event: IncomingEventRow,
  lockMs: number,
): Promise<string | null> {
  const { rows } = await sql.query<{ id: string }>(STORE_AND_CLAIM, [
    event.provider,
    event.eventId,
    event.type,
    JSON.stringify(event.payload),
    lockMs,
  ]);
  return rows[0]?.id ?? null;
}

/** Marks a claimed event done, and logs its delivery. */
export async function finishEvent(sql: SqlExecutor, eventId: string, status: "PROCESSED" | "IGNORED"): Promise<void> {
  await sql.query(FINISH, [eventId, status]);
}

/** Deletes a provider's rejected deliveries beyond the newest `keep`. */
export async function pruneRejectedDeliveries(
  sql: SqlExecutor,
  provider: WebhookProvider,
  keep: number,
): Promise<void> {
  await sql.query(PRUNE_REJECTED, [provider, keep]);
}
