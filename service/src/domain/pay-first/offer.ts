// Whether a builder can be booked pay-first now. The element falls back to the embedded flow
// when not, so every reason here is one the visitor need not hear about.
import type { Builder, SessionType } from "../../generated/prisma/client.js";
import type { Bookability } from "../bookability.js";
import type { DomainContext } from "../context.js";
import { schedulingBudget } from "./budget.js";

export type PayFirstBlock = "not_bookable" | "builder_chose_embedded" | "no_event_type" | "scheduling_budget";

export type PayFirstOffer = { available: true } | { available: false; reasonCode: PayFirstBlock; reopensAt?: Date };

/** The event type a session type is booked on: its own, else the builder's (resolved from the event URL). */
export function eventTypeOf(builder: Builder, sessionType: SessionType): string | null {
  return sessionType.calendlyEventTypeUri ?? builder.calendlyEventTypeUri;
}

/** Whether the builder's set-up allows pay-first at all (no budget read). */
export function payFirstBlock(builder: Builder, decision: Bookability): PayFirstBlock | null {
  if (decision.state !== "bookable") return "not_bookable";
  if (builder.bookingFlow === "EMBEDDED") return "builder_chose_embedded";
  // Booking through the API needs the event type; one resolvable from the builder's event URL will do.
  const resolvable = decision.sessionTypes.some((s) => s.calendlyEventTypeUri) || builder.calendlyEventTypeUri;
  if (!resolvable && !builder.calendlyEventUrl) return "no_event_type";
  return null;
}

export async function payFirstOffer(
  ctx: DomainContext,
  builder: Builder,
  decision: Bookability,
): Promise<PayFirstOffer> {
  const block = payFirstBlock(builder, decision);
  if (block) return { available: false, reasonCode: block };
  const budget = await schedulingBudget(ctx, builder.id);
  if (!budget.open) return { available: false, reasonCode: "scheduling_budget", reopensAt: budget.reopensAt };
  return { available: true };
}
