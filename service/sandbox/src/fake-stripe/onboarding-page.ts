// The hosted Connect onboarding page of the sandbox (what an Account Link opens): server-rendered
// HTML with the three ways onboarding can end. Stable ids for browser tests: #complete,
// #incomplete, #restricted (the outcome radios), #submit, #account.
import { escapeHtml, layout } from "./checkout-page.js";
import type { OnboardingOutcome } from "./connect.js";
import type { AccountLinkRecord, AccountRecord } from "./store.js";

export const ONBOARDING_LABEL = "Sandbox Connect onboarding — no real account";
const NOTICE =
  "This is the offline stand-in for Stripe's hosted onboarding: no identity or bank details are collected.";

const OUTCOME_LABELS: Record<OnboardingOutcome, string> = {
  complete: "Complete onboarding: payouts and transfers enabled",
  incomplete: "Leave before the end: details not submitted, requirements still due",
  restricted: "Submit, but the account is restricted (requirements past due)",
};

export function renderOnboardingPage(link: AccountLinkRecord, account: AccountRecord): string {
  const radios = (Object.keys(OUTCOME_LABELS) as OnboardingOutcome[])
    .map(
      (o, i) =>
        `<label><input type="radio" name="outcome" value="${o}" id="${o}"${i === 0 ? " checked" : ""}> ${escapeHtml(OUTCOME_LABELS[o])}</label>`,
    )
    .join("\n");
  const who = account.businessName ?? account.email ?? account.id;
  const body = `<h1 id="title">Set up payouts</h1>
<p>Onboarding the connected account <code id="account">${escapeHtml(account.id)}</code> (${escapeHtml(who)}, ${escapeHtml(account.country)}).</p>
<form method="post" action="./${encodeURIComponent(link.token)}">
<fieldset>
<legend>Sandbox onboarding outcome</legend>
${radios}
</fieldset>
<button type="submit" id="submit">Continue</button>
</form>
<p class="muted">This link works once and expires five minutes after it was created; reloading it sends you back to the platform for a fresh one.</p>`;
  return layout("Set up payouts", body, ONBOARDING_LABEL, NOTICE);
}

export function renderLinkNotFoundPage(): string {
  return layout(
    "Not found",
    `<h1 id="title">Onboarding link not found</h1>
<p id="status" data-status="missing">This sandbox issued no such onboarding link.</p>`,
    ONBOARDING_LABEL,
    NOTICE,
  );
}
