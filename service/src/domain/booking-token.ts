// The capability token that lets a visitor read their own booking. Derived from the booking
// id with a server secret, so a repeated create returns the same token without storing it.
import { createHmac, timingSafeEqual } from "node:crypto";

export function bookingToken(secret: string, bookingId: string): string {
  return `bt_${createHmac("sha256", secret).update(`booking:${bookingId}`).digest("base64url")}`;
}

export function isBookingToken(secret: string, bookingId: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(bookingToken(secret, bookingId));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
