// A builder as the API shows it (contract/builder.ts), from the stored builder.
import type { BuilderSummary, PartnerBuilder, PartnerSessionType, SessionType } from "../contract/index.js";
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

export function toPartnerSessionType(s: StoredSessionType): PartnerSessionType {
  return { ...toSessionType(s), active: s.active };
}

export function toBuilderSummary(b: Builder): BuilderSummary {
  return { id: b.id, slug: b.slug, name: b.name, headline: b.headline, avatarUrl: b.avatarUrl };
}

/** What a partner reads: the whole builder, whether it can be booked, and every session type. */
export function toPartnerBuilder(builder: Builder & { sessionTypes: StoredSessionType[] }): PartnerBuilder {
  const decision = decideBookability(builder);
  const sessionTypes = [...builder.sessionTypes].sort(
    (a, b) => a.position - b.position || a.createdAt.getTime() - b.createdAt.getTime(),
  );
  return {
    ...toBuilderSummary(builder),
    bio: builder.bio,
    contactEmail: builder.contactEmail,
    isDemo: builder.isDemo,
    active: builder.bookingEnabled,
    calendlyEventUrl: builder.calendlyEventUrl,
    refundPolicy: builder.refundPolicy,
    refundCutoffHours: builder.refundCutoffHours,
    state: decision.state,
    ...(decision.reason ? { reason: decision.reason } : {}),
    sessionTypes: sessionTypes.map(toPartnerSessionType),
  };
}
