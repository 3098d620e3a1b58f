// The sandbox's stand-in for the Stripe Express Dashboard, opened by a login link: the connected
// account's status, its available balance, and the payments it received (amount, the platform's
// fee, what refunds took back). Stable ids: #status, #balance, #payments.
import { escapeHtml, formatAmount, layout } from "./checkout-page.js";
import type { ExpressView } from "./connect.js";

export const EXPRESS_LABEL = "Sandbox Express Dashboard — no real money";
const NOTICE = "This is the offline stand-in for the Stripe Express Dashboard of a connected account.";

function status(view: ExpressView): string {
  const a = view.account;
  if (a.state === "enabled") return "Payouts enabled";
  if (a.state === "restricted") return `Restricted (${a.disabledReason ?? "other"})`;
  return "Onboarding not finished";
}

export function renderExpressPage(view: ExpressView): string {
  const currencies = Object.keys(view.available).sort();
  if (currencies.length === 0) currencies.push(view.account.defaultCurrency);
  const balance = currencies
    .map(
      (c) =>
        `<dt>Available (${escapeHtml(c.toUpperCase())})</dt><dd data-currency="${escapeHtml(c)}" data-amount="${view.available[c] ?? 0}">${escapeHtml(formatAmount(view.available[c] ?? 0, c))}</dd>`,
    )
    .join("\n");
  const rows = view.payments
    .map((p) => {
      const net = p.amount - p.fee - p.reversed + p.feeRefunded;
      return `<tr data-payment="${escapeHtml(p.id)}"><td>${escapeHtml(new Date(p.created * 1000).toISOString().slice(0, 16).replace("T", " "))} UTC</td><td>${escapeHtml(formatAmount(p.amount, p.currency))}</td><td>${escapeHtml(formatAmount(p.fee, p.currency))}</td><td>${escapeHtml(formatAmount(p.reversed - p.feeRefunded, p.currency))}</td><td>${escapeHtml(formatAmount(net, p.currency))}</td></tr>`;
    })
    .join("\n");
  const body = `<h1 id="title">${escapeHtml(view.account.businessName ?? view.account.email ?? view.account.id)}</h1>
<p id="status" data-state="${view.account.state}">${escapeHtml(status(view))} · <code>${escapeHtml(view.account.id)}</code></p>
<dl id="balance" aria-label="Balance">
${balance}
</dl>
<table id="payments" aria-label="Payments received">
<thead><tr><th>Date</th><th>Amount</th><th>Platform fee</th><th>Refunded</th><th>Net</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="5">No payments yet.</td></tr>'}
</tbody>
</table>`;
  return layout("Express Dashboard", body, EXPRESS_LABEL, NOTICE);
}

export function renderLoginLinkUsedPage(): string {
  return layout(
    "Link expired",
    `<h1 id="title">This login link has expired</h1>
<p id="status" data-status="used">Login links work once. Open the dashboard again from the platform.</p>`,
    EXPRESS_LABEL,
    NOTICE,
  );
}
