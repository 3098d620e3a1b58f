// SPDX-License-Identifier: MIT
/**
 * The calendar's frame: Calendly's embed URL and its iframe. Neither is needed before the booking
 * attempt's answer, so this loads beside the attempt's request, not with the first file every page
 * loads; when it cannot load (offline), the attempt fails as its request would (`network`).
 */
import { html, nothing, type TemplateResult } from "lit";
import type { Flow } from "./booking-flow.js";

export { nextCalendar, scheduled } from "./calendar-flow.js";
export { parseMessage } from "./calendly-messages.js";
export { calendlyUrl } from "./calendly-url.js";

/**
 * Calendly's iframe at `url`. Until Calendly's first message the frame stays hidden (a broken or
 * error page never shows) but keeps its place, with the element's own progress over it.
 */
export function calendarFrame(flow: Flow, title: string, url: string, onLoad: () => void): TemplateResult {
  const ready = flow.calendar === "ready";
  return html`<div class="frame">
    ${ready ? nothing : html`<progress part="spinner" aria-hidden="true"></progress>`}
    <iframe part="calendar" class=${ready ? "" : "pending"} title=${title} src=${url}
      .style=${`height:${flow.height}px`} @load=${onLoad}></iframe>
  </div>`;
}
