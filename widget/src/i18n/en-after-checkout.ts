// SPDX-License-Identifier: MIT

/**
 * English strings from the redirect to checkout on, loaded with that code (see `booking-result.ts`).
 * `{time}` is a formatted time.
 */
export const enAfterCheckout = {
  redirecting: "Opening secure checkout…",
  blocked: "Checkout can't open in this frame.",
  openCheckout: "Open checkout in a new tab",
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
  schedulingTitle: "Payment received — confirming your time with {name}…",
  schedulingText: "This usually takes a few seconds.",
  refundedTitle: "No session booked",
  refundedText: "Your payment has been refunded in full.",
  refundingText: "Your payment is being refunded in full.",
};
