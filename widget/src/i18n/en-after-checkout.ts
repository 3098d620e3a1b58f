// SPDX-License-Identifier: MIT

/**
 * English strings of the pages after checkout, loaded with them (see `booking-result.ts`).
 * `{time}` is a formatted time.
 */
export const enAfterCheckout = {
  confirmedTitle: "You're booked",
  with: "With",
  session: "Session",
  when: "When",
  paid: "Paid",
  cancelledTitle: "Payment not completed",
  cancelledText: "You haven't been charged. We're holding your time until {time}.",
  returnToCheckout: "Return to checkout",
  expiredTitle: "Hold expired",
  expiredText: "Payment wasn't completed in time, so the time was released. You haven't been charged.",
  failedTitle: "Payment failed",
  failedText: "The payment didn't go through, so you haven't been charged.",
};
