// EXPLAIN (ANALYZE, BUFFERS) of the hot queries exactly as Prisma sends them: the queries
// are run once through the service's generated client with query logging, and each logged
// SQL statement is explained with its logged parameters.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../dist/generated/prisma/client.js";

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
  const hot = [
    await capture("Webhook event lookup by provider + provider event id (dedupe)", () =>
      prisma.webhookEvent.findUniqueOrThrow({
        where: { provider_providerEventId: { provider: "STRIPE", providerEventId: sample.eventId } },
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
    await capture("Payment by Checkout Session id (Stripe webhooks, by-checkout-session read)", () =>
      prisma.payment.findUnique({ where: { checkoutSessionId: sample.checkoutSessionId } }),
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
        const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.params);
        q.plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
        q.ms = Number(/Execution Time: ([\d.]+) ms/.exec(q.plan)?.[1]);
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
