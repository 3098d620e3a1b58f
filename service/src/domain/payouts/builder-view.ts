// The partner builder view's payout part: the `payouts` object, and in marketplace mode the
// builder's bookability as their payout account leaves it (the catalogue decides the rest).

import type { PayoutsConfig } from "../../config.js";
import type { PrismaClient } from "../../generated/prisma/client.js";
import { payoutBlock } from "./readiness.js";
import { type PayoutsView, payoutsView } from "./view.js";

interface ViewWithState {
  id: string;
  name: string;
  state: "bookable" | "demo" | "unavailable";
  reason?: string;
}

export async function withPayouts<V extends ViewWithState>(
  prisma: Pick<PrismaClient, "payoutAccount">,
  config: PayoutsConfig,
  views: V[],
): Promise<(V & { payouts: PayoutsView })[]> {
  const accounts = await prisma.payoutAccount.findMany({ where: { builderId: { in: views.map((v) => v.id) } } });
  const byBuilder = new Map(accounts.map((a) => [a.builderId, a]));
  return views.map((view) => {
    const account = byBuilder.get(view.id);
    const blocked = view.state === "bookable" ? payoutBlock(config.mode, view.name, account) : undefined;
    return {
      ...view,
      ...(blocked ? { state: "unavailable" as const, reason: blocked } : {}),
      payouts: payoutsView(config, account),
    };
  });
}
