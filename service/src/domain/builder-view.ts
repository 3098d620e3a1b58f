// A builder as the API shows it (contract/builder.ts), from the stored builder.
import type {
  BookingFlow,
  BuilderSummary,
  PartnerBuilder,
  PartnerSessionType,
  SessionType,
} from "../contract/index.js";
import type {
  Builder,
  BookingFlow as StoredBookingFlow,
  SessionType as StoredSessionType,
} from "../generated/prisma/client.js";
import { decideBookability } from "./bookability.js";

/** The stored flow as the API names it. */
export function toBookingFlow(flow: StoredBookingFlow | null): BookingFlow | null {
  return flow === null ? null : flow === "PAY_FIRST" ? "pay-first" : "embedded";
}

/** The API's flow as stored. */
export function fromBookingFlow(flow: BookingFlow | null): StoredBookingFlow | null {
  return flow === null ? null : flow === "pay-first" ? "PAY_FIRST" : "EMBEDDED";
}

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
  return { ...toSessionType(s), active: s.active, calendlyEventTypeUri: s.calendlyEventTypeUri };
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
    bookingFlow: toBookingFlow(builder.bookingFlow),
    refundPolicy: builder.refundPolicy,
    refundCutoffHours: builder.refundCutoffHours,
    state: decision.state,
    ...(decision.reason ? { reason: decision.reason } : {}),
    ...(decision.code ? { reasonCode: decision.code } : {}),
    sessionTypes: sessionTypes.map(toPartnerSessionType),
  };
}
