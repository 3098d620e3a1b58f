// Page behaviour shared by the demo sites: the booking progress steps, the return pages' text
// following the element's state, and their booking summary. The booking flow itself is
// <baw-book-builder>; the sandbox banner is rendered with the page.

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? "";
const api = meta("baw-api").replace(/\/+$/, "");

// Progress steps on the booking page, following the element's state.
const STEP_OF = {
  loading: "pick",
  "choose-session-type": "pick",
  "auth-required": "pick",
  calendar: "pick",
  "pick-time": "pick",
  details: "pick",
  reserving: "pay",
  "creating-checkout": "pay",
  redirecting: "pay",
  "payment-cancelled": "pay",
  confirming: "pay",
  scheduling: "pay",
  confirmed: "done",
};
const STEPS = ["pick", "pay", "done"];

function showProgress(state) {
  const list = document.querySelector("[data-progress]");
  const step = STEP_OF[state];
  if (!list || !step) return;
  const at = STEPS.indexOf(step);
  for (const item of list.querySelectorAll("[data-step]")) {
    const index = STEPS.indexOf(item.getAttribute("data-step"));
    item.toggleAttribute("data-done", index < at || (step === "done" && index === at));
    if (index === at && step !== "done") item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
  }
}

// Booking summary on return pages: GET /v1/bookings/{id} with the booking token from the URL.
const STATUS = {
  PENDING_PAYMENT: ["Awaiting payment", "warn"],
  SCHEDULING: ["Paid, booking the time", "warn"],
  NEEDS_NEW_TIME: ["Paid, pick another time", "warn"],
  CONFIRMED: ["Confirmed", "ok"],
  EXPIRED: ["Hold expired", "bad"],
  FAILED: ["Payment failed", "bad"],
  CANCELLED: ["Cancelled", "bad"],
  REFUNDED: ["Refunded", ""],
};

function money({ amount, currency }) {
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() });
  return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

function timeRange(startIso, endIso) {
  const format = new Intl.DateTimeFormat(undefined, {
    weekday: "long",
    month: "long",
    day: "numeric",
    year: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  });
  return format.formatRange(new Date(startIso), new Date(endIso));
}

const summary = document.querySelector("[data-booking-summary]");
const query = new URLSearchParams(location.search);
const ref = { id: query.get("baw_booking"), token: query.get("baw_token") };
let latest = 0;
let widgetState = "";

function field(name) {
  return summary.querySelector(`[data-field="${name}"]`);
}

function renderSummary(booking) {
  const [label, tone] = STATUS[booking.status] ?? [booking.status, ""];
  const status = field("status");
  status.textContent = label;
  status.dataset.tone = tone;
  status.dataset.status = booking.status;
  field("builder").textContent = booking.builder.name;
  field("session").textContent = `${booking.sessionType.name} · ${booking.sessionType.durationMinutes} min`;
  field("time").textContent = timeRange(booking.startTime, booking.endTime);
  field("amount-label").textContent = booking.amountPaid ? "Paid" : "Price";
  field("amount").textContent = money(booking.amountPaid ?? booking.price);
  field("reference").textContent = booking.id.slice(0, 8).toUpperCase();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  field("timezone").textContent = `Times are shown in your time zone (${zone}).`;
  summary.querySelector("[data-summary-placeholder]").hidden = true;
  summary.querySelector("[data-summary-facts]").hidden = false;
  summary.setAttribute("aria-busy", "false");
  summary.dataset.status = booking.status;
}

function summaryMessage(text) {
  const placeholder = summary.querySelector("[data-summary-placeholder]");
  placeholder.textContent = text;
  placeholder.hidden = false;
  summary.setAttribute("aria-busy", "false");
}

async function refreshSummary(attempt = 0) {
  if (!summary || !ref.id || !ref.token) return;
  const mine = ++latest;
  let booking;
  try {
    const res = await fetch(`${api}/v1/bookings/${encodeURIComponent(ref.id)}`, {
      headers: { accept: "application/json", authorization: `Bearer ${ref.token}` },
      credentials: "omit",
    });
    if (res.status === 404) return summaryMessage("This booking link isn't valid any more.");
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    booking = await res.json();
  } catch {
    if (mine === latest) summaryMessage("We couldn't load the booking details just now.");
    return;
  }
  if (mine !== latest) return;
  renderSummary(booking);
  // The element's own clock can call the hold expired a moment before the service records it.
  if (widgetState === "hold-expired" && booking.status === "PENDING_PAYMENT" && attempt < 10) {
    setTimeout(() => refreshSummary(attempt + 1), 1500);
  }
}

// Return pages: the page's heading and lede say what the element's state says, never more.
const PAGE_TEXT = {
  confirming: ["Confirming your payment", "We're checking your payment with Stripe. This takes a few seconds."],
  confirmed: ["You're booked", "Your payment went through and your session is confirmed."],
  "payment-cancelled": [
    "Payment not completed",
    "You haven't been charged. We hold your time for a little while: return to checkout to finish, or pick another time.",
  ],
  "hold-expired": [
    "Hold expired",
    "Payment wasn't completed in time, so the time was released. You haven't been charged.",
  ],
  "payment-failed": [
    "Payment failed",
    "The payment didn't go through, so you haven't been charged. You can pick a time again.",
  ],
  scheduling: ["Payment received", "Your payment went through; we're booking your time in the builder's calendar now."],
  "needs-new-time": [
    "Pick another time",
    "Someone took your time just before it could be booked. Your payment is held while you pick another.",
  ],
  rebooking: ["Booking your new time", "Your payment is held; we're booking the time you picked."],
  refunded: ["Refunded in full", "No time could be booked, so your payment is refunded in full."],
  error: [
    "Your booking",
    "We couldn't finish checking your booking. The booking box says what is known and what you can do.",
  ],
};
const PICKING = ["Pick another time", "Choose a new time below. Nothing has been charged for the previous one."];

function showPageText(state) {
  const title = document.querySelector("[data-page-title]");
  const lede = document.querySelector("[data-page-lede]");
  if (!title) return;
  const [heading, text] = PAGE_TEXT[state] ?? PICKING;
  title.textContent = heading;
  if (lede) lede.textContent = text;
  for (const block of document.querySelectorAll("[data-when]")) {
    block.hidden = !block.getAttribute("data-when").split(" ").includes(state);
  }
  for (const block of document.querySelectorAll("[data-unless]")) {
    block.hidden = block.getAttribute("data-unless").split(" ").includes(state);
  }
}

document.addEventListener("baw-state-change", (event) => {
  widgetState = event.detail.state;
  document.body.dataset.bookingState = widgetState;
  showProgress(widgetState);
  showPageText(widgetState);
  if (["payment-cancelled", "hold-expired", "payment-failed", "booking-cancelled", "refunded"].includes(widgetState)) {
    refreshSummary();
  }
  if (["confirmed", "scheduling", "needs-new-time", "refunded"].includes(widgetState)) watchCalendly();
});

// Sandbox only: what the fake Calendly holds for a pay-first booking, beside when it was paid.
const proof = document.querySelector("[data-calendly-proof]");
let proofTimer = 0;
const clock = (iso) =>
  new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit" }).format(new Date(iso));

function proofText(p) {
  if (p.calendlyBookings === 0 && !p.paidAt)
    return "Calendly has no booking for this time: it is made only after you pay.";
  if (p.calendlyBookings === 0) {
    return `Paid at ${clock(p.paidAt)}. Calendly has no booking yet${p.status === "SCHEDULING" ? ": it is being made now" : ""}.`;
  }
  return `Paid at ${clock(p.paidAt)}; Calendly booked the time at ${clock(p.calendlyBookedAt)}, after the payment. Its confirmation e-mail went out then, never before.`;
}

async function watchCalendly(round = 0) {
  if (!proof || !ref.id || !ref.token || proofTimer) return;
  let p;
  try {
    const url = `/sandbox/calendly-proof?booking=${encodeURIComponent(ref.id)}&token=${encodeURIComponent(ref.token)}`;
    const res = await fetch(url, { headers: { accept: "application/json" } });
    if (!res.ok) return;
    p = await res.json();
  } catch {
    return;
  }
  if (p.flow !== "pay-first") return;
  proof.hidden = false;
  proof.querySelector("[data-proof-text]").textContent = proofText(p);
  proof.dataset.calendlyBookings = String(p.calendlyBookings);
  if (p.calendlyBookings === 0 && round < 60) {
    proofTimer = setTimeout(() => {
      proofTimer = 0;
      watchCalendly(round + 1);
    }, 1000);
  }
}

document.addEventListener("baw-booking-confirmed", (event) => {
  if (!summary) return;
  latest++;
  renderSummary(event.detail.booking);
});

// Same-origin demo frames (the sandboxed embed) grow with their content instead of scrolling.
function autosize(frame) {
  const fit = () => {
    const body = frame.contentDocument?.body;
    if (body) frame.style.height = `${Math.max(Math.ceil(body.getBoundingClientRect().height), 320)}px`;
  };
  const attach = () => {
    const body = frame.contentDocument?.body;
    if (!body) return;
    new ResizeObserver(fit).observe(body);
    fit();
  };
  frame.addEventListener("load", attach);
  if (frame.contentDocument?.readyState === "complete" && frame.contentWindow?.location.href !== "about:blank")
    attach();
}

for (const frame of document.querySelectorAll("iframe[data-autosize]")) autosize(frame);
refreshSummary();
