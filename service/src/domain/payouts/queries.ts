// Reads and small writes about builders' payouts that the routes and /metrics need.
import type { PrismaClient } from "../../generated/prisma/client.js";
import { notFound } from "../../lib/errors.js";
import { builderWhere } from "../bookability.js";

type Db = Pick<PrismaClient, "builder" | "payoutAccount">;

/** Payout accounts by status (lower case), and those whose last payout failed, for /metrics. */
export async function payoutAccountCounts(db: Db): Promise<{ status: string; count: number }[]> {
  const [byStatus, failed] = await Promise.all([
    db.payoutAccount.groupBy({ by: ["status"], where: { stripeAccountId: { not: null } }, _count: true }),
    db.payoutAccount.count({ where: { payoutFailedAt: { not: null } } }),
  ]);
  return [
    ...byStatus.map((g) => ({ status: g.status.toLowerCase(), count: g._count })),
    { status: "payout_failed", count: failed },
  ];
}

/** Whether Checkout offers a promotion-code field for the builder's sessions. */
export async function setCheckoutOptions(
  db: Db,
  ref: string,
  options: { allowPromotionCodes: boolean },
): Promise<{ allowPromotionCodes: boolean }> {
  const found = await db.builder.findUnique({ where: builderWhere(ref), select: { id: true } });
  if (!found) throw notFound("builder_not_found", `builder: no builder "${ref}" exists`);
  return db.builder.update({
    where: { id: found.id },
    data: { allowPromotionCodes: options.allowPromotionCodes },
    select: { allowPromotionCodes: true },
  });
}
