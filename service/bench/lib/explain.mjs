// EXPLAIN (ANALYZE, BUFFERS) of the hot queries exactly as the service sends them: the Prisma
// queries are run once through the service's generated client with query logging, and each
// logged SQL statement is explained with its logged parameters; the webhook path's plain SQL is
// imported from the service's own modules. Writes are explained inside a transaction that is
// rolled back, so the data is left as it was.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { FINISH, PAYMENT_BY_SESSION_OR_KEY, STORE_AND_CLAIM } from "../../dist/db/hot-paths.js";
import { PrismaClient } from "../../dist/generated/prisma/client.js";

const LOCK_MS = 30_000;

export async function explainHotQueries(url, sample) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), log: [{ emit: "event", level: "query" }] });
  let captured = [];
  prisma.$on("query", (e) => captured.push({ sql: e.query, params: JSON.parse(e.params || "[]") }));
  const capture = async (title, run) => {
    captured = [];
    await run();
    return { title, queries: captured };
  };
  const newEvent = [
    "STRIPE",
    `evt_explain_${Date.now()}`,
    "checkout.session.expired",
    JSON.stringify({ id: "x" }),
    LOCK_MS,
  ];
  const hot = [
    {
      title: "Webhook: store and claim a new event (INSERT … ON CONFLICT, the first statement of every delivery)",
      queries: [{ sql: STORE_AND_CLAIM, params: newEvent, write: true }],
    },
    {
      title: "Webhook: the same statement for a re-delivered event (the conflict path)",
      queries: [{ sql: STORE_AND_CLAIM, params: ["STRIPE", sample.eventId, "x", "{}", LOCK_MS], write: true }],
    },
    {
      title: "Webhook: a Stripe Checkout event's payment, by session id or the booking's checkout key",
      queries: [{ sql: PAYMENT_BY_SESSION_OR_KEY, params: [sample.checkoutSessionId, `checkout_${sample.bookingId}`] }],
    },
    {
      title: "Webhook: finish the event and log its delivery (UPDATE … RETURNING into INSERT)",
      queries: [{ sql: FINISH, params: [null, "PROCESSED"], write: true, claimFirst: true }],
    },
    await capture("Webhook: a duplicate's status, by provider + provider event id (Prisma)", () =>
      prisma.webhookEvent.findUniqueOrThrow({
        where: { provider_providerEventId: { provider: "STRIPE", providerEventId: sample.eventId } },
        select: { id: true, status: true },
      }),
    ),
    await capture("Booking by id with builder, session type, payments and history (GET /v1/bookings/:id)", () =>
      prisma.booking.findUnique({
        where: { id: sample.bookingId },
        include: {
          builder: true,
          sessionType: true,
          payments: { orderBy: { createdAt: "desc" } },
          history: { orderBy: { createdAt: "asc" } },
        },
      }),
    ),
    await capture("Sweeper: stale holds (status = PENDING_PAYMENT AND holdExpiresAt < now() - 30 s)", () =>
      prisma.booking.findMany({
        where: { status: "PENDING_PAYMENT", holdExpiresAt: { lt: new Date(Date.now() - 30_000) } },
        orderBy: { holdExpiresAt: "asc" },
        take: 100,
      }),
    ),
  ];
  const client = await pool.connect();
  try {
    for (const h of hot) {
      for (const q of h.queries) {
        if (q.write) await client.query("BEGIN");
        try {
          if (q.claimFirst) {
            const claimed = await client.query(STORE_AND_CLAIM, [
              ...newEvent.slice(0, 1),
              `${newEvent[1]}_f`,
              ...newEvent.slice(2),
            ]);
            q.params[0] = claimed.rows[0].id;
          }
          const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.params);
          q.plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
          q.ms = Number(/Execution Time: ([\d.]+) ms/.exec(q.plan)?.[1]);
        } finally {
          if (q.write) await client.query("ROLLBACK");
        }
      }
    }
  } finally {
    client.release();
    await prisma.$disconnect();
    await pool.end();
  }
  return hot;
}

export function explainText(hot, label) {
  const out = [`\nEXPLAIN (ANALYZE, BUFFERS) of the hot queries at ${label}`];
  for (const h of hot) {
    out.push(`\n-- ${h.title}`);
    for (const q of h.queries) {
      out.push(`-- SQL: ${q.sql.replace(/\s+/g, " ")}`);
      out.push(`-- params: ${JSON.stringify(q.params)}`);
      out.push(q.plan);
    }
  }
  return out.join("\n");
}
