// Bulk data for the growth benchmark, written with INSERT … SELECT generate_series straight
// into Postgres. Big batches drop the five tables' indexes and foreign keys first and
// recreate them afterwards from their own definitions (sorted index builds are ~3× faster
// than a million random B-tree inserts); the schema ends exactly as the migration made it.
import { withClient } from "./db.mjs";

const TABLES = ["Booking", "Payment", "BookingStatusChange", "WebhookEvent", "WebhookDelivery"];

const bookingSql = (from, to, builderId, sessionTypeId, siteId) => `
INSERT INTO "Booking" (id, "builderId", "sessionTypeId", "siteId", "calendlyEventUri", "calendlyInviteeUri",
  "inviteeName", "inviteeEmail", "startTime", "endTime", timezone, status, "holdExpiresAt", "accessTokenHash",
  "createdAt", "updatedAt")
SELECT gen_random_uuid(), '${builderId}', '${sessionTypeId}', '${siteId}',
  'https://api.calendly.com/scheduled_events/bulk-' || i,
  'https://api.calendly.com/scheduled_events/bulk-' || i || '/invitees/inv-' || i,
  'Invitee ' || i, 'invitee' || i || '@example.com',
  timestamptz '2024-01-01 09:00Z' + i * interval '1 hour', timestamptz '2024-01-01 10:00Z' + i * interval '1 hour',
  'Europe/London',
  (CASE WHEN i % 100 < 85 THEN 'CONFIRMED' WHEN i % 100 < 95 THEN 'EXPIRED' WHEN i % 100 < 98 THEN 'REFUNDED'
        WHEN i % 100 = 98 THEN 'CANCELLED' ELSE 'PENDING_PAYMENT' END)::"BookingStatus",
  CASE WHEN i % 100 = 99 THEN now() + ((i % 7) - 3) * interval '10 minutes' END,
  md5(i::text), timestamptz '2024-01-01' + i * interval '1 minute', now()
FROM generate_series(${from}, ${to}) AS i`;

// Payments and history for the bookings just inserted (those without a payment yet).
const paymentSql = `
INSERT INTO "Payment" (id, "bookingId", "checkoutSessionId", "checkoutUrl", "paymentIntentId", "idempotencyKey",
  amount, currency, status, "expiresAt", "paidAt", "createdAt", "updatedAt")
SELECT gen_random_uuid(), b.id, 'cs_test_bulk_' || split_part(b."calendlyEventUri", '/bulk-', 2),
  'https://checkout.stripe.com/c/pay/cs_test_bulk_' || split_part(b."calendlyEventUri", '/bulk-', 2),
  CASE WHEN b.status <> 'PENDING_PAYMENT' THEN 'pi_bulk_' || split_part(b."calendlyEventUri", '/bulk-', 2) END,
  'checkout_' || b.id, 15000, 'usd',
  (CASE b.status WHEN 'CONFIRMED' THEN 'PAID' WHEN 'EXPIRED' THEN 'EXPIRED' WHEN 'REFUNDED' THEN 'REFUNDED'
                 WHEN 'CANCELLED' THEN 'PAID' ELSE 'OPEN' END)::"PaymentStatus",
  b."createdAt" + interval '30 minutes', CASE WHEN b.status IN ('CONFIRMED', 'REFUNDED', 'CANCELLED') THEN b."createdAt" + interval '5 minutes' END,
  b."createdAt", now()
FROM "Booking" b WHERE NOT EXISTS (SELECT 1 FROM "Payment" p WHERE p."bookingId" = b.id)`;

const historySql = `
INSERT INTO "BookingStatusChange" (id, "bookingId", "from", "to", cause, "createdAt")
SELECT gen_random_uuid(), b.id, s."from"::"BookingStatus", s."to"::"BookingStatus", s.cause, b."createdAt" + s.after
FROM "Booking" b
CROSS JOIN LATERAL (VALUES (NULL, 'PENDING_PAYMENT', 'slot verified with Calendly', interval '0'),
                           ('PENDING_PAYMENT', b.status::text, 'stripe checkout.session.completed', interval '5 minutes')) AS s("from", "to", cause, after)
WHERE (s."from" IS NULL OR b.status <> 'PENDING_PAYMENT')
  AND NOT EXISTS (SELECT 1 FROM "BookingStatusChange" h WHERE h."bookingId" = b.id)`;

const eventSql = (from, to) => `
INSERT INTO "WebhookEvent" (id, provider, "providerEventId", type, status, attempts, payload, "receivedAt", "processedAt")
SELECT gen_random_uuid(), 'STRIPE', 'evt_bulk_' || i, 'checkout.session.completed', 'PROCESSED', 1,
  jsonb_build_object('id', 'evt_bulk_' || i, 'object', 'event', 'type', 'checkout.session.completed',
    'api_version', '2025-10-29.clover', 'created', 1700000000 + i, 'livemode', false, 'pending_webhooks', 1,
    'data', jsonb_build_object('object', jsonb_build_object('id', 'cs_test_bulk_' || i, 'object', 'checkout.session',
      'amount_total', 15000, 'currency', 'usd', 'status', 'complete', 'payment_status', 'paid', 'mode', 'payment',
      'payment_intent', 'pi_bulk_' || i, 'client_reference_id', null, 'customer_email', 'invitee' || i || '@example.com',
      'metadata', '{}'::jsonb))),
  timestamptz '2024-01-01' + i * interval '1 minute', timestamptz '2024-01-01' + i * interval '1 minute'
FROM generate_series(${from}, ${to}) AS i`;

const deliverySql = (from, to) => `
INSERT INTO "WebhookDelivery" (id, provider, "eventId", "providerEventId", type, signature, duplicate, "responseStatus", "receivedAt")
SELECT gen_random_uuid(), e.provider, e.id, e."providerEventId", e.type, 'VALID', false, 200, e."receivedAt"
FROM generate_series(${from}, ${to}) AS i
JOIN "WebhookEvent" e ON e.provider = 'STRIPE' AND e."providerEventId" = 'evt_bulk_' || i`;

async function connect(url) {
  const { default: pg } = await import("pg");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  // Only this loading session skips waiting for WAL flushes; the service's own writes do not.
  await c.query("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'");
  return c;
}

/** Inserts rows `from`..`to` (1-based) of bookings (with payments and history) and stored webhook events. */
export async function bulkLoad(url, { from, to, builderId, sessionTypeId, siteId }) {
  const big = to - from + 1 > 50_000;
  const [a, b] = [await connect(url), await connect(url)];
  const started = performance.now();
  try {
    let constraints = [];
    let indexes = [];
    if (big) {
      const names = TABLES.map((t) => `"${t}"`);
      constraints = (
        await a.query(
          `SELECT conrelid::regclass::text AS tbl, conname, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint
            WHERE contype IN ('p', 'u', 'f') AND (conrelid::regclass::text = ANY($1) OR (contype = 'f' AND confrelid::regclass::text = ANY($1)))`,
          [names],
        )
      ).rows;
      indexes = (
        await a.query(
          `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1)
              AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
          [TABLES],
        )
      ).rows;
      for (const c of constraints.filter((c) => c.contype === "f"))
        await a.query(`ALTER TABLE ${c.tbl} DROP CONSTRAINT "${c.conname}"`);
      for (const c of constraints.filter((c) => c.contype !== "f"))
        await a.query(`ALTER TABLE ${c.tbl} DROP CONSTRAINT "${c.conname}"`);
      for (const i of indexes) await a.query(`DROP INDEX "${i.indexname}"`);
    }
    await Promise.all([
      (async () => {
        await a.query(bookingSql(from, to, builderId, sessionTypeId, siteId));
        await a.query(paymentSql);
        await a.query(historySql);
      })(),
      (async () => {
        await b.query(eventSql(from, to));
        await b.query(deliverySql(from, to));
      })(),
    ]);
    if (big) {
      const queue = [
        ...constraints
          .filter((c) => c.contype !== "f")
          .map((c) => `ALTER TABLE ${c.tbl} ADD CONSTRAINT "${c.conname}" ${c.def}`),
        ...indexes.map((i) => i.indexdef),
      ];
      const drain = (q) =>
        Promise.all(
          [a, b].map(async (c) => {
            while (q.length) await c.query(q.shift());
          }),
        );
      await drain(queue);
      await drain(
        constraints
          .filter((c) => c.contype === "f")
          .map((c) => `ALTER TABLE ${c.tbl} ADD CONSTRAINT "${c.conname}" ${c.def}`),
      );
    }
    await a.query("VACUUM (ANALYZE)");
    return { seconds: (performance.now() - started) / 1000, rebuiltIndexes: big };
  } finally {
    await a.end();
    await b.end();
  }
}

/** Counts and on-disk size, to print beside each tier. */
export async function tierStats(url) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(`SELECT
      (SELECT count(*) FROM "Booking")::int AS bookings, (SELECT count(*) FROM "Payment")::int AS payments,
      (SELECT count(*) FROM "BookingStatusChange")::int AS history, (SELECT count(*) FROM "WebhookEvent")::int AS events,
      (SELECT count(*) FROM "WebhookDelivery")::int AS deliveries, pg_database_size(current_database())::bigint AS bytes`);
    return { ...rows[0], bytes: Number(rows[0].bytes) };
  });
}
