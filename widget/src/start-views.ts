// SPDX-License-Identifier: MIT
/**
 * The views before the calendar that only some builders need: a demo profile, a builder who is not
 * bookable, sign-in, and the choice of session type. Loaded on demand, when the element first
 * enters one of those states, so the first file every page loads stays small. Until it is there
 * the element shows its loading view; when it cannot load (offline) the element ends in `error`
 * (`network`) with Retry, which also runs by itself once the connection is back.
 */
import { html, type TemplateResult } from "lit";
import type { Flow } from "./booking-flow.js";
import type { View } from "./booking-result.js";
import { formatMoney } from "./format.js";
import { type CoreStrings, fill, type Strings } from "./i18n/index.js";
import type { SessionType } from "./types.js";

/** English strings of these views (German ones are in `i18n/de.ts`). `{name}` is the builder's name. */
export const enStart = {
  browse: "Browse builders",
  demoTitle: "Demo profile",
  demoText: "{name} is a demo profile and can't be booked.",
  unavailableTitle: "Not bookable right now",
  authTitle: "Sign in to book",
  authText: "Please sign in to book a session with {name}.",
  authExpiredText: "Your sign-in has expired. Please sign in again to book with {name}.",
  signIn: "Sign in",
  chooseTitle: "Choose a session",
};

/** What these views offer, built by the element. */
export interface StartActions {
  /** Where "Browse builders" links to. */
  browseUrl: string;
  signIn: () => void;
  choose: (sessionType: SessionType) => void;
}

/** The views of `demo`, `unavailable`, `auth-required` and `choose-session-type`. */
export function startView(
  flow: Flow,
  strings: CoreStrings & Partial<Strings>,
  locale: string,
  view: View,
  vars: { name: string },
  { browseUrl, signIn, choose }: StartActions,
): TemplateResult {
  const t = { ...enStart, ...strings };
  const browse = html`<a part="link" href=${browseUrl}>${t.browse}</a>`;
  switch (flow.state) {
    case "demo":
      return view(t.demoTitle, fill(t.demoText, vars), browse);
    case "unavailable":
      return view(t.unavailableTitle, flow.config?.reason, browse);
    case "auth-required":
      return view(
        t.authTitle,
        // A token that was refused (expired, most often) is said to be so, not just asked for again.
        fill(flow.authCode === "customer_token_required" ? t.authText : t.authExpiredText, vars),
        html`<button part="button" @click=${signIn}>${t.signIn}</button>`,
      );
    default:
      return view(
        t.chooseTitle,
        "",
        html`<ul part="session-types">
          ${flow.config!.sessionTypes.map(
            (sessionType) =>
              html`<li>
                <button part="session-type" @click=${() => choose(sessionType)}>
                  <b>${sessionType.name}</b> · ${sessionType.durationMinutes} min · ${formatMoney(sessionType.price, locale)}
                </button>
              </li>`,
          )}
        </ul>`,
      );
  }
}
