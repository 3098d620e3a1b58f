// Decides whether a builder can be booked now, and why not.
import type { Builder, SessionType } from "../generated/prisma/client.js";

export type BookingState = "bookable" | "demo" | "unavailable";

export interface Bookability {
  state: BookingState;
  reason?: string;
  /** A stable code for the reason, where one is defined (`calendly_disconnected`). */
  code?: string;
  sessionTypes: SessionType[];
}

export function decideBookability(builder: Builder & { sessionTypes: SessionType[] }): Bookability {
  const sessionTypes = builder.sessionTypes.filter((s) => s.active).sort((a, b) => a.position - b.position);
  if (builder.isDemo) {
    return { state: "demo", reason: `${builder.name} is a demo profile and cannot be booked.`, sessionTypes };
  }
  if (!builder.bookingEnabled) {
    return { state: "unavailable", reason: `${builder.name} is not taking bookings right now.`, sessionTypes };
  }
  if (builder.calendlyConnectionStatus === "DISCONNECTED") {
    return {
      state: "unavailable",
      reason: `${builder.name}'s calendar is disconnected; bookings resume once it is connected again.`,
      code: "calendly_disconnected",
      sessionTypes,
    };
  }
  if (!builder.calendlyEventUrl) {
    return { state: "unavailable", reason: `${builder.name} has not connected a calendar yet.`, sessionTypes };
  }
  if (!isHttpUrl(builder.calendlyEventUrl)) {
    return { state: "unavailable", reason: `${builder.name}'s calendar link is not valid.`, sessionTypes };
  }
  if (sessionTypes.length === 0) {
    return { state: "unavailable", reason: `${builder.name} has no session types on offer.`, sessionTypes };
  }
  return { state: "bookable", sessionTypes };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A builder is addressed by id or slug. */
export function builderWhere(idOrSlug: string): { id: string } | { slug: string } {
  return UUID.test(idOrSlug) ? { id: idOrSlug } : { slug: idOrSlug };
}
