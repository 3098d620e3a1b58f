// Bench-only prototype of the proposed webhook fix (docs/BENCHMARKS.md), registered by
// servers/service.mjs when BENCH_VARIANT=lean-ingest, at POST /webhooks/bench-lean-stripe.
// Same signature check (the stripe package) and the same rows and states as
// src/domain/webhooks/ingest.ts, but through node-postgres with two statements per new event
// instead of five Prisma queries:
//   1. INSERT … ON CONFLICT DO UPDATE … WHERE <claimable> RETURNING  (store + claim, one commit)
//   2. WITH done AS (UPDATE event SET PROCESSED) INSERT delivery      (finish + log, one commit)
// plus the handler's own lookup (payment by checkout session id). It covers only the path the
// benchmark drives (sessions the service does not know → outcome unknown_session).
import pg from "pg";

const CLAIM = `
INSERT INTO "WebhookEvent" (id, provider, "providerEventId", type, payload, status, attempts, "lockedAt")
VALUES (gen_random_uuid(), $1::"WebhookProvider", $2, $3, $4::jsonb, 'PROCESSING', 1, now())
ON CONFLICT (provider, "providerEventId") DO UPDATE
   SET status = 'PROCESSING', attempts = "WebhookEvent".attempts + 1, "lockedAt" = now()
 WHERE "WebhookEvent".status IN ('RECEIVED', 'FAILED')
    OR ("WebhookEvent".status = 'PROCESSING' AND "WebhookEvent"."lockedAt" < now() - interval '60 seconds')
RETURNING id`;

const FINISH = `
WITH done AS (
  UPDATE "WebhookEvent" SET status = $2::"WebhookStatus", "lockedAt" = NULL, "processedAt" = now(), "lastError" = NULL
   WHERE id = $1 RETURNING id, provider, "providerEventId", type)
INSERT INTO "WebhookDelivery" (id, provider, "eventId", "providerEventId", type, signature, duplicate, "responseStatus")
SELECT gen_random_uuid(), provider, id, "providerEventId", type, 'VALID', false, 200 FROM done`;

const RECORD = `
INSERT INTO "WebhookDelivery" (id, provider, "eventId", "providerEventId", type, signature, duplicate, "responseStatus")
VALUES (gen_random_uuid(), $1::"WebhookProvider", $2, $3, $4, 'VALID', true, $5)`;

export function registerLeanIngest(app, databaseUrl) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  app.addHook("onClose", () => pool.end());
  app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => done(null, body));
    scope.post("/webhooks/bench-lean-stripe", async (request, reply) => {
      let event;
      try {
        event = app.providers.stripe.webhooks.constructEvent(
          request.body,
          request.headers["stripe-signature"] ?? "",
          app.config.stripe.webhookSecret,
          300,
        );
      } catch {
        return reply.code(400).send({ received: false, error: "signature_invalid" });
      }
      const claimed = await pool.query(CLAIM, ["STRIPE", event.id, event.type, request.body]);
      if (claimed.rowCount === 0) {
        const existing = await pool.query(
          `SELECT id, status FROM "WebhookEvent" WHERE provider = 'STRIPE' AND "providerEventId" = $1`,
          [event.id],
        );
        const row = existing.rows[0];
        const done = row.status === "PROCESSED" || row.status === "IGNORED";
        await pool.query(RECORD, ["STRIPE", row.id, event.id, event.type, done ? 200 : 409]);
        return done
          ? { received: true, duplicate: true }
          : reply.code(409).send({ received: false, error: "in_progress" });
      }
      const id = claimed.rows[0].id;
      const payment = await pool.query(`SELECT id FROM "Payment" WHERE "checkoutSessionId" = $1`, [
        event.data.object.id,
      ]);
      if (payment.rowCount !== 0) throw new Error("the prototype handles unknown sessions only");
      await pool.query(FINISH, [id, "PROCESSED"]);
      return { received: true, outcome: "unknown_session" };
    });
  });
}
