// The doctor's Connect lines (marketplace mode, PAYOUTS_MODE=connect), in the Stripe section:
// the fee settings, the Connect webhook endpoint and its deliveries, and the builders whose
// payout accounts need the operator (restricted, disconnected, a failed payout).
import { connectWebhookEvents } from "../domain/webhooks/connect-events.js";
import { deliveryChecks } from "./doctor-database.js";
import { DOCS, type DoctorInput, errorText, normalizeUrl, type Report } from "./doctor-report.js";

export async function connectChecks(
  r: Report,
  input: DoctorInput,
  base: string | undefined,
  dbReady: boolean,
): Promise<void> {
  const { config } = input;
  r.in("Stripe");
  const { mode, defaultFee, feeOnRefund } = config.payouts;
  if (mode !== "connect") {
    r.info("PAYOUTS_MODE=single-merchant: every payment stays on the platform's Stripe account (no Connect)");
    return;
  }
  r.pass(
    `PAYOUTS_MODE=connect: payments are destination charges to each builder's connected account; default platform fee ` +
      `${defaultFee.percentBps / 100} % + ${defaultFee.fixedAmount} minor units; a refund by policy ${feeOnRefund === "return" ? "returns" : "keeps"} the fee`,
  );
  if (defaultFee.percentBps === 0 && defaultFee.fixedAmount === 0) {
    r.info("the default platform fee is zero: builders receive the whole price unless they have an override");
  }
  if (base) {
    const expected = `${base}/webhooks/stripe/connect`;
    try {
      const list = await input.stripe.webhookEndpoints.list({ limit: 100 });
      const ep = list.data.find((e) => normalizeUrl(e.url) === normalizeUrl(expected));
      if (!ep) {
        r.fail(
          `no Stripe webhook endpoint for ${expected}`,
          `add a Connect endpoint ("Events on connected accounts") in Dashboard → Developers → Webhooks with events ` +
            `${connectWebhookEvents.join(", ")}, and set STRIPE_CONNECT_WEBHOOK_SECRET to its signing secret (see ${DOCS})`,
        );
      } else {
        const enabled = new Set(ep.enabled_events);
        const missing = enabled.has("*") ? [] : connectWebhookEvents.filter((e) => !enabled.has(e));
        if (missing.length > 0) {
          r.fail(
            `the Connect endpoint ${ep.id} for ${expected} does not send ${missing.join(", ")}`,
            `add ${missing.join(", ")} to the endpoint's events`,
          );
        } else {
          r.pass(`Connect webhook endpoint ${ep.id} sends ${connectWebhookEvents.join(", ")} → ${expected}`);
        }
      }
    } catch (error) {
      r.warn(
        `cannot list webhook endpoints (${errorText(error)})`,
        `check in the Dashboard that the Connect endpoint ${expected} receives ${connectWebhookEvents.join(", ")}`,
      );
    }
  }
  if (!dbReady || !input.db) return;
  await deliveryChecks(r, input.db, "STRIPE_CONNECT", "STRIPE_CONNECT_WEBHOOK_SECRET", 300);
  const prisma = input.db.prisma;
  const flagged = await prisma.payoutAccount.findMany({
    where: {
      stripeAccountId: { not: null },
      OR: [{ status: { in: ["RESTRICTED", "DISCONNECTED"] } }, { payoutFailedAt: { not: null } }],
    },
    include: { builder: { select: { slug: true } } },
    orderBy: { updatedAt: "desc" },
    take: 20,
  });
  if (flagged.length === 0) {
    r.pass("no builder's payout account is restricted, disconnected or has a failed payout");
    return;
  }
  for (const a of flagged) {
    const what =
      a.status === "RESTRICTED"
        ? `is restricted by Stripe (${a.statusReason ?? "no reason given"}): not bookable`
        : a.status === "DISCONNECTED"
          ? "was disconnected by the builder: not bookable"
          : `had a payout fail (${a.payoutFailureCode ?? "unknown"}) on ${a.payoutFailedAt!.toISOString()}`;
    r.warn(
      `builder ${a.builder.slug}'s payout account ${a.stripeAccountId} ${what}`,
      a.status === "DISCONNECTED"
        ? "ask the builder to connect again (POST /v1/partner/builders/{id}/payouts/connect)"
        : "ask the builder to update their details in Stripe (a fresh onboarding link: POST /v1/partner/builders/{id}/payouts/connect)",
    );
  }
}
