// The doctor's Connect lines: nothing but one line in single-merchant mode; in connect mode the
// fee settings, the Connect endpoint and its events, and the builders whose payout accounts need
// the operator (restricted, disconnected, a failed payout).
import t from "tap";
import { connectChecks } from "../src/cli/doctor-connect.js";
import { type DoctorInput, Report } from "../src/cli/doctor-report.js";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/database.js";
import { seedDatabase } from "../src/db/seed.js";
import { migratedTemplate } from "./helpers/pglite-template.js";

const sandbox = {
  PROVIDER_MODE: "sandbox",
  STRIPE_API_BASE: "http://127.0.0.1:4242",
  CALENDLY_API_BASE: "http://127.0.0.1:4243/api",
  CALENDLY_ORIGIN: "http://127.0.0.1:4243",
  PGLITE_DIR: "memory://",
};
const BASE = "https://booking.example.com";
const endpoint = (url: string, events: string[]) => ({ id: "we_1", url, enabled_events: events, status: "enabled" });

function input(env: NodeJS.ProcessEnv, endpoints: ReturnType<typeof endpoint>[], db?: DoctorInput["db"]): DoctorInput {
  return {
    config: loadConfig({ ...sandbox, ...env }),
    db,
    calendly: {} as DoctorInput["calendly"],
    stripe: {
      accounts: { retrieveCurrent: async () => ({}) as never },
      webhookEndpoints: { list: async () => ({ data: endpoints }) as never },
    },
  };
}

async function lines(i: DoctorInput, dbReady = false): Promise<string[]> {
  const r = new Report("Stripe");
  await connectChecks(r, i, BASE, dbReady);
  return r.results.map((x) => `${x.status} ${x.message}${x.fix ? ` → ${x.fix}` : ""}`);
}

t.test("single-merchant: one line saying so", async (t) => {
  t.match(await lines(input({}, [])), [/^info PAYOUTS_MODE=single-merchant: every payment stays/]);
});

t.test("connect: the fee, and the Connect endpoint missing, incomplete or right", async (t) => {
  const env = { PAYOUTS_MODE: "connect", PLATFORM_FEE_PERCENT_BPS: "1000" };
  const missing = await lines(input(env, [endpoint(`${BASE}/webhooks/stripe`, ["*"])]));
  t.match(
    missing[0],
    /^pass PAYOUTS_MODE=connect: .* default platform fee 10 % \+ 0 minor units; a refund by policy returns the fee/,
  );
  t.match(
    missing[1],
    /^fail no Stripe webhook endpoint for https:\/\/booking\.example\.com\/webhooks\/stripe\/connect → .*STRIPE_CONNECT_WEBHOOK_SECRET/,
  );
  const partial = await lines(input(env, [endpoint(`${BASE}/webhooks/stripe/connect`, ["account.updated"])]));
  t.match(
    partial[1],
    /^fail the Connect endpoint we_1 .* does not send account\.application\.deauthorized, payout\.failed, payout\.paid/,
  );
  const right = await lines(
    input(env, [
      endpoint(`${BASE}/webhooks/stripe/connect`, [
        "account.updated",
        "account.application.deauthorized",
        "payout.failed",
        "payout.paid",
      ]),
    ]),
  );
  t.match(right[1], /^pass Connect webhook endpoint we_1 sends/);
});

t.test("connect: flagged builders are listed with what to do", async (t) => {
  const config = loadConfig({ ...sandbox, PAYOUTS_MODE: "connect" });
  const db = await openDatabase(config.database, { loadDataDir: await migratedTemplate() });
  t.teardown(() => db.close());
  await seedDatabase(db.prisma);
  const env = { PAYOUTS_MODE: "connect" };
  const ok = endpoint(`${BASE}/webhooks/stripe/connect`, ["*"]);
  t.match((await lines(input(env, [ok], db), true)).at(-1), /^pass no builder's payout account is restricted/);
  const builders = await db.prisma.builder.findMany({ take: 3, orderBy: { slug: "asc" } });
  await db.prisma.payoutAccount.createMany({
    data: [
      { builderId: builders[0]!.id, stripeAccountId: "acct_1a", status: "RESTRICTED", statusReason: "rejected.fraud" },
      { builderId: builders[1]!.id, stripeAccountId: "acct_1b", status: "DISCONNECTED" },
      {
        builderId: builders[2]!.id,
        stripeAccountId: "acct_1c",
        status: "ENABLED",
        payoutFailedAt: new Date(),
        payoutFailureCode: "account_closed",
      },
    ],
  });
  const text = (await lines(input(env, [ok], db), true)).join("\n");
  t.match(
    text,
    new RegExp(
      `warn builder ${builders[0]!.slug}'s payout account acct_1a is restricted by Stripe \\(rejected\\.fraud\\)`,
    ),
  );
  t.match(
    text,
    new RegExp(`warn builder ${builders[1]!.slug}'s payout account acct_1b was disconnected .* connect again`),
  );
  t.match(
    text,
    new RegExp(`warn builder ${builders[2]!.slug}'s payout account acct_1c had a payout fail \\(account_closed\\)`),
  );
});
