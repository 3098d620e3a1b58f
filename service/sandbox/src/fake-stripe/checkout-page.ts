// The hosted "Stripe Checkout" page of the sandbox: server-rendered HTML; one line of script only
// shows its times in the visitor's zone.
// Stable ids for browser tests: #pay (submit), #cancel (link), #email (when asked), #error,
// #status (expired/complete pages), #return (back to the merchant).
import { createHash } from "node:crypto";
import type { SessionRecord } from "./store.js";

export const SANDBOX_LABEL = "Sandbox Checkout — no real money";

export type Outcome = "card" | "decline" | "async_success" | "async_fail";
export const OUTCOMES: readonly Outcome[] = ["card", "decline", "async_success", "async_fail"];

const OUTCOME_LABELS: Record<Outcome, string> = {
  card: "Card payment succeeds (test card 4242)",
  decline: "Card is declined",
  async_success: "Bank debit: completes now, settles later as paid",
  async_fail: "Bank debit: completes now, settles later as failed",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function formatAmount(amount: number, currency: string): string {
  try {
    const fmt = new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() });
    const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
    return fmt.format(amount / 10 ** digits);
  } catch {
    return `${amount} ${currency.toUpperCase()} (minor units)`;
  }
}

/** Which outcome the page preselects: `?outcome=…`, or `?async=1` / `?async=fail`. */
export function outcomeFromQuery(query: URLSearchParams): Outcome {
  const outcome = query.get("outcome");
  if (outcome && (OUTCOMES as readonly string[]).includes(outcome)) return outcome as Outcome;
  const asyncFlag = query.get("async");
  if (asyncFlag === "fail" || asyncFlag === "failed") return "async_fail";
  if (asyncFlag !== null && asyncFlag !== "0" && asyncFlag !== "false") return "async_success";
  return "card";
}

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, sans-serif; }
  body { margin: 0; background: #f6f8fa; color: #1a1f36; }
  .banner { background: #fff4d6; border-bottom: 2px solid #c98a00; padding: .75rem 1rem; text-align: center; }
  main { max-width: 28rem; margin: 2rem auto; background: #fff; padding: 1.5rem; border-radius: .5rem;
         box-shadow: 0 1px 3px rgb(0 0 0 / .15); }
  h1 { font-size: 1.35rem; margin-top: 0; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .4rem 1rem; }
  dt { color: #4f566b; } dd { margin: 0; text-align: right; }
  .total { font-weight: 700; font-size: 1.15rem; }
  fieldset { border: 1px solid #d5dbe1; border-radius: .375rem; margin: 1rem 0; }
  label { display: block; margin: .35rem 0; }
  input[type=email] { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
  button { width: 100%; padding: .75rem; font: inherit; font-weight: 600; color: #fff; background: #635bff;
           border: 0; border-radius: .375rem; cursor: pointer; }
  button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid #1a1f36; outline-offset: 2px; }
  .alert { background: #fde8e8; border: 1px solid #c0392b; padding: .75rem; border-radius: .375rem; }
  .muted { color: #4f566b; font-size: .9rem; }
  a { color: #3d33d6; }
`;

/** The sandbox's page frame; `label` and `notice` name which Stripe page it stands in for. */
export function layout(
  title: string,
  body: string,
  label = SANDBOX_LABEL,
  notice = "This is the offline stand-in for Stripe Checkout: nothing is charged and no card data is collected.",
): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${label}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="banner" aria-label="Sandbox notice"><strong>${label}</strong>.
${notice}</header>
<main aria-labelledby="title">
${body}
</main>
<script>${LOCAL_TIMES}</script>
</body>
</html>
`;
}

/** A time as the page shows it before its script runs: readable, in UTC. */
function friendlyUtc(date: Date): string {
  return new Intl.DateTimeFormat("en-US", { dateStyle: "full", timeStyle: "short", timeZone: "UTC" }).format(date);
}

/** `<time>` for `date`; the page's script rewrites it in the visitor's own zone, as Stripe's pages do. */
function timeElement(date: Date, id?: string): string {
  const iso = date.toISOString();
  return `<time${id ? ` id="${id}"` : ""} datetime="${iso}">${escapeHtml(friendlyUtc(date))} UTC</time>`;
}

/** The product's description, its ISO timestamps (the session's start) shown as times. */
function describe(text: string): string {
  const parts = text.split(/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))/);
  return parts.map((part, i) => (i % 2 ? timeElement(new Date(part)) : escapeHtml(part))).join("");
}

/** Rewrites every `<time datetime>` in the visitor's zone and locale (the HTML works without it). */
export const LOCAL_TIMES = `for (const t of document.querySelectorAll("time[datetime]")) t.textContent = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" }).format(new Date(t.dateTime)) + " (" + Intl.DateTimeFormat().resolvedOptions().timeZone + ")";`;

/** The page's one script, allowed by hash in its Content-Security-Policy (nothing else runs). */
export const SCRIPT_SOURCE = `'sha256-${createHash("sha256").update(LOCAL_TIMES).digest("base64")}'`;

function summary(s: SessionRecord): string {
  const items = s.lineItems
    .map(
      (li) =>
        `<dt>${escapeHtml(li.productName)}${li.quantity > 1 ? ` × ${li.quantity}` : ""}${
          li.productDescription
            ? `<br><small class="muted" id="description">${describe(li.productDescription)}</small>`
            : ""
        }</dt><dd>${escapeHtml(formatAmount(li.unitAmount * li.quantity, li.currency))}</dd>`,
    )
    .join("\n");
  const email = s.customerDetails?.email ?? s.customerEmail;
  return `<dl aria-label="Order summary">
${items}
<dt class="total">Total</dt><dd class="total" id="amount">${escapeHtml(formatAmount(s.amountTotal, s.currency))}</dd>
${email ? `<dt>Email</dt><dd id="customer-email">${escapeHtml(email)}</dd>` : ""}
</dl>`;
}

export function renderCheckoutPage(s: SessionRecord, opts: { outcome?: Outcome; error?: string } = {}): string {
  if (s.status !== "open") return renderClosedPage(s);
  const selected = opts.outcome ?? "card";
  const total = formatAmount(s.amountTotal, s.currency);
  const radios = OUTCOMES.map(
    (o) =>
      `<label><input type="radio" name="outcome" value="${o}" id="outcome-${o}"${o === selected ? " checked" : ""}> ${escapeHtml(
        OUTCOME_LABELS[o],
      )}</label>`,
  ).join("\n");
  const emailField = s.customerEmail
    ? ""
    : `<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="email" required>`;
  const body = `<h1 id="title">Pay ${escapeHtml(total)}</h1>
${opts.error ? `<p class="alert" role="alert" id="error">${escapeHtml(opts.error)}</p>` : ""}
${summary(s)}
<form method="post" action="./${encodeURIComponent(s.id)}/pay">
${emailField}
<fieldset>
<legend>Sandbox payment outcome</legend>
${radios}
</fieldset>
<button type="submit" id="pay">Pay ${escapeHtml(total)}</button>
</form>
${
  s.cancelUrl
    ? `<p><a id="cancel" href="./${encodeURIComponent(s.id)}/cancel">Cancel and return to the merchant</a></p>`
    : ""
}
<p class="muted">Your time is held until ${timeElement(new Date(s.expiresAt * 1000), "expires")}; after that this checkout expires.</p>`;
  return layout(`Pay ${total}`, body);
}

function renderClosedPage(s: SessionRecord): string {
  if (s.status === "complete") {
    const pending = s.paymentStatus !== "paid";
    const body = `<h1 id="title">${pending ? "Payment processing" : "Payment complete"}</h1>
<p id="status" data-status="complete">${
      pending
        ? "This checkout session is complete; the payment has not settled yet."
        : "This checkout session is complete and has been paid."
    }</p>
${summary(s)}
<p><a id="return" href="${escapeHtml(s.successUrl)}">Return to the merchant</a></p>`;
    return layout("Checkout complete", body);
  }
  const body = `<h1 id="title">Checkout session expired</h1>
<p id="status" data-status="expired">This checkout session has expired and can no longer be paid.</p>
${summary(s)}
${s.cancelUrl ? `<p><a id="return" href="${escapeHtml(s.cancelUrl)}">Return to the merchant</a></p>` : ""}`;
  return layout("Checkout expired", body);
}

export function renderNotFoundPage(id: string): string {
  return layout(
    "Not found",
    `<h1 id="title">Checkout session not found</h1>
<p id="status" data-status="missing">No checkout session with id <code>${escapeHtml(id)}</code> exists in this sandbox.</p>`,
  );
}
