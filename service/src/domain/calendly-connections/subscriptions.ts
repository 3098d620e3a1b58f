// Each connected builder's user-scoped webhook subscription (created with their token; signed
// with the OAuth app's one key), and the periodic health check that keeps every connection
// working: disabled or missing subscriptions are created again, revoked grants found.
import type { Builder } from "../../generated/prisma/client.js";
import { AppError } from "../../lib/errors.js";
import { type Periodic, startPeriodic } from "../../lib/periodic.js";
import { CalendlyError, type WebhookSubscription } from "../../providers/calendly.js";
import type { DomainContext } from "../context.js";
import { calendlyFor } from "./client.js";
import { webhookCallbackUrl } from "./connect.js";

export const SUBSCRIBED_EVENTS = ["invitee.created", "invitee.canceled"];

type ConnectedBuilder = Pick<Builder, "id" | "name" | "calendlyConnectionStatus">;

/** What ensureSubscription found and did. */
export type SubscriptionState = "active" | "created" | "recreated";

/**
 * Makes sure the builder has an active subscription to the service's webhook URL: keeps an
 * active one, deletes a disabled one (Calendly disables a subscription after 24 h of failed
 * deliveries) and creates a new one, creates one that is missing.
 */
export async function ensureSubscription(ctx: DomainContext, builder: ConnectedBuilder): Promise<SubscriptionState> {
  const row = await ctx.prisma.calendlyConnection.findUniqueOrThrow({ where: { builderId: builder.id } });
  const client = calendlyFor(ctx, builder);
  const url = webhookCallbackUrl(ctx.config);
  const listed = await ctx.metrics.time("calendly", "list_webhook_subscriptions", () =>
    client.listWebhookSubscriptions({
      organization: row.calendlyOrganizationUri,
      user: row.calendlyUserUri,
      scope: "user",
      count: 100,
    }),
  );
  const ours = listed.collection.filter((s) => s.callback_url === url);
  const active = ours.find((s) => s.state === "active");
  let state: SubscriptionState;
  let subscription: WebhookSubscription;
  if (active) {
    subscription = active;
    state = "active";
  } else {
    for (const disabled of ours) {
      await ctx.metrics.time("calendly", "delete_webhook_subscription", () =>
        client.deleteWebhookSubscription(disabled.uri),
      );
    }
    const hadOne = ours.length > 0 || row.webhookSubscriptionUri !== null;
    subscription = await ctx.metrics.time("calendly", "create_webhook_subscription", () =>
      client.createWebhookSubscription({
        url,
        events: SUBSCRIBED_EVENTS,
        organization: row.calendlyOrganizationUri,
        user: row.calendlyUserUri,
        scope: "user",
      }),
    );
    state = hadOne ? "recreated" : "created";
    if (hadOne) ctx.metrics.calendlySubscriptionsRecreated.inc();
  }
  await ctx.prisma.calendlyConnection.updateMany({
    where: { builderId: builder.id, status: "CONNECTED" },
    data: { webhookSubscriptionUri: subscription.uri, webhookState: "active", webhookCheckedAt: new Date() },
  });
  return state;
}

export interface HealthReport {
  checked: number;
  /** Builders found disconnected by this check (their grant was revoked or refused). */
  disconnected: number;
  recreated: number;
  failed: number;
}

/**
 * One health check over every connected builder. A revoked grant shows as a 401 the refresh
 * cannot cure: the builder is then marked disconnected (by the client, under the row lock).
 */
export async function checkConnections(ctx: DomainContext): Promise<HealthReport> {
  const report: HealthReport = { checked: 0, disconnected: 0, recreated: 0, failed: 0 };
  const builders = await ctx.prisma.builder.findMany({
    where: { calendlyConnectionStatus: "CONNECTED" },
    select: { id: true, name: true, calendlyConnectionStatus: true },
  });
  for (const builder of builders) {
    report.checked++;
    try {
      const state = await ensureSubscription(ctx, builder);
      if (state === "recreated") report.recreated++;
    } catch (error) {
      if (error instanceof AppError && error.code === "calendly_disconnected") {
        report.disconnected++;
        continue;
      }
      report.failed++;
      await ctx.prisma.calendlyConnection.updateMany({
        where: { builderId: builder.id, status: "CONNECTED" },
        data: { webhookState: "failed", webhookCheckedAt: new Date() },
      });
      ctx.log.warn(
        { builderId: builder.id, err: error, status: error instanceof CalendlyError ? error.status : undefined },
        "Calendly connection check failed; next check retries",
      );
    }
  }
  const counts = await ctx.prisma.calendlyConnection.groupBy({ by: ["status"], _count: { _all: true } });
  for (const status of ["CONNECTED", "DISCONNECTED"] as const) {
    const n = counts.find((c) => c.status === status)?._count._all ?? 0;
    ctx.metrics.calendlyConnections.set({ status: status.toLowerCase() }, n);
  }
  return report;
}

/** Runs `checkConnections` every interval until stopped (one at a time per instance). */
export function startConnectionHealth(ctx: DomainContext, intervalSeconds: number): Periodic {
  return startPeriodic(
    () => checkConnections(ctx),
    intervalSeconds,
    (error) => ctx.log.warn({ err: error }, "Calendly connection health check failed"),
  );
}
