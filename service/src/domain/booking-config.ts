// What the widget needs to show a builder's booking page (the contract's BookingConfig view).
import type { BookingConfig } from "../contract/index.js";
import { notFound } from "../lib/errors.js";
import { builderWhere, decideBookability } from "./bookability.js";
import { toBookingFlow, toBuilderSummary, toSessionType } from "./builder-view.js";
import type { DomainContext } from "./context.js";
import { payFirstOffer } from "./pay-first/offer.js";

export async function bookingConfigView(
  ctx: DomainContext,
  idOrSlug: string,
  requiresCustomer: boolean,
): Promise<BookingConfig> {
  const builder = await ctx.prisma.builder.findUnique({
    where: builderWhere(idOrSlug),
    include: { sessionTypes: true, payoutAccount: true },
  });
  if (!builder) throw notFound("builder_not_found", `builder: no builder "${idOrSlug}" exists`);
  const decision = decideBookability(builder, ctx.config.payouts.mode);
  const payFirst = await payFirstOffer(ctx, builder, decision);
  return {
    state: decision.state,
    ...(decision.reason ? { reason: decision.reason } : {}),
    ...(decision.code ? { reasonCode: decision.code } : {}),
    builder: toBuilderSummary(builder),
    sessionTypes: decision.sessionTypes.map(toSessionType),
    calendly:
      decision.state === "bookable" && builder.calendlyEventUrl
        ? { url: ctx.providers.schedulingUrl(builder.calendlyEventUrl), origin: ctx.providers.calendlyOrigin }
        : null,
    requiresCustomer,
    sandbox: ctx.providers.isSandbox,
    flow: {
      builderChoice: toBookingFlow(builder.bookingFlow),
      payFirst: payFirst.available ? { available: true } : { available: false, reasonCode: payFirst.reasonCode },
    },
  };
}
