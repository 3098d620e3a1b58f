// SPDX-License-Identifier: MIT

/**
 * English strings of the pay-first picker and its form, loaded with them (see `slot-picker.ts`).
 * `{name}` is the builder's name, `{time}` a formatted time, `{day}` a formatted day.
 */
export const enPayFirst = {
  zone: "Time zone",
  days: "Days",
  timesOn: "Times on {day}",
  earlier: "Earlier",
  later: "Later",
  weekOf: "{from} – {to}",
  nextWeek: "Next week",
  loadingTimes: "Loading times…",
  noTimes: "No free times this week.",
  chosen: "Selected: {time}.",
  taken: "That time was just taken. Please pick another.",
  continue: "Continue",
  detailsTitle: "Your details",
  changeTime: "Change time",
  nameLabel: "Name",
  emailLabel: "E-mail",
  optional: "(optional)",
  toPayment: "Continue to payment",
  required: "Please fill this in.",
  invalidEmail: "Please enter a valid e-mail address.",
  invalid: "Please check this entry.",
  fixFields: "Please check the marked fields.",
  reserving: "Reserving your time…",
  newTimeTitle: "Please pick another time",
  newTimeText:
    "Your time with {name} was taken before it could be booked. Your payment is held until {time}: pick another time by then, or it is refunded in full.",
  bookTime: "Book this time",
  rebooking: "Booking your new time…",
};
