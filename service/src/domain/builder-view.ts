// A builder as the API shows it (contract/builder.ts), from the stored builder.
import type { BuilderSummary, PartnerBuilder, SessionType } from "../contract/index.js";
import type { Builder, SessionType as StoredSessionType } from "../generated/prisma/client.js";
import { decideBookability } from "./bookability.js";

/** A session type's `price` is its current list price. */
export function toSessionType(s: StoredSessionType): SessionType {
  return {
    id: s.id,
    name: s.name,
    durationMinutes: s.durationMinutes,
    price: { amount: s.priceAmount, currency: s.currency },
  };
}

export function toBuilderSummary(b: Builder): BuilderSummary {
  return { id: b.id, slug: b.slug, name: b.name, headline: b.headline, avatarUrl: b.avatarUrl };
}

/** What a partner reads with `builders:read`: the builder, whether it can be booked, its session types. */
export function toPartnerBuilder(builder: Builder & { sessionTypes: StoredSessionType[] }): PartnerBuilder {
  const decision = decideBookability(builder);
  return {
    ...toBuilderSummary(builder),
    isDemo: builder.isDemo,
    state: decision.state,
    ...(decision.reason ? { reason: decision.reason } : {}),
    sessionTypes: decision.sessionTypes.map(toSessionType),
  };
}
