// SPDX-License-Identifier: MIT
/**
 * The pay-first views: the picker (days as tabs, a day's times as a listbox, both with a roving
 * tabindex, arrow keys, Home and End; the week's navigation; the time zone), the visitor's details
 * with the event type's questions, and the waits of the reservation and the rebooking. The chosen
 * time is announced in the element's live region.
 */
import { html, nothing, type TemplateResult } from "lit";
import type { Flow, FlowEvent } from "./booking-flow.js";
import type { View } from "./booking-result.js";
import { enPayFirst } from "./i18n/en-pay-first.js";
import { type CoreStrings, fill, type Strings } from "./i18n/index.js";
import { AHEAD, type PayFirst, type Question, WEEK } from "./pay-first-flow.js";
import { byDay, detectedZone, formatIn, zoneChoices, zoneLabel } from "./time-zones.js";

type T = CoreStrings & typeof enPayFirst & Partial<Strings>;

/** What the views need of the element. */
export interface PickerHost {
  /** The `name` and `email` attributes prefill the form. */
  name?: string;
  email?: string;
  renderRoot: ParentNode;
  updateComplete: Promise<unknown>;
}

const LONG: Intl.DateTimeFormatOptions = {
  weekday: "long",
  month: "long",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
};

/**
 * The index a key moves to among `count` items from `index` (arrows, Home, End), or undefined for
 * other keys. Tabs wrap around; the times stop at either end.
 */
export function rove(key: string, index: number, count: number, wrap: boolean): number | undefined {
  const to = (i: number) => (wrap ? (i + count) % count : Math.min(count - 1, Math.max(0, i)));
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
      return to(index + 1);
    case "ArrowLeft":
    case "ArrowUp":
      return to(index - 1);
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return undefined;
  }
}

/** Arrow keys, Home and End among the `selector` items of a tablist or listbox: focus the new one and `choose` it. */
const roving =
  (selector: string, wrap: boolean, choose: (index: number) => void) =>
  (e: KeyboardEvent): void => {
    const items = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>(selector)];
    const index = items.indexOf((e.target as HTMLElement).closest<HTMLElement>(selector)!);
    if (index < 0) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      choose(index);
      return;
    }
    const next = rove(e.key, index, items.length, wrap);
    if (next === undefined) return;
    e.preventDefault();
    if (next === index) return; // at either end of the times
    items[next]!.focus();
    choose(next);
  };

/** The picker: time zone, week, days, times, and the button on. */
function picker(
  flow: Flow,
  t: T,
  locale: string,
  now: number,
  dispatch: (event: FlowEvent) => void,
  zone: string,
): TemplateResult {
  const pay = flow.pay;
  const zones = html`<label class="zone"
    >${t.zone}
    <select part="zone" @change=${(e: Event) => dispatch({ type: "zone", zone: (e.target as HTMLSelectElement).value })}>
      ${zoneChoices(zone).map((z) => html`<option value=${z} ?selected=${z === zone}>${zoneLabel(z, locale, now)}</option>`)}
    </select></label
  >`;
  if (!pay?.times) {
    return html`${zones}
      <p>${t.loadingTimes}</p>
      <progress part="spinner" aria-hidden="true"></progress>`;
  }
  const { from, times, startTime } = pay;
  const short: Intl.DateTimeFormatOptions = { month: "short", day: "numeric" };
  const later = from + WEEK < now + AHEAD;
  const week = html`<div class="week" part="week">
    <button part="button" ?disabled=${from <= now} @click=${() => dispatch({ type: "week", step: -1 })}>
      ${t.earlier}
    </button>
    <span>${fill(t.weekOf, { from: formatIn(from, zone, locale, short), to: formatIn(from + WEEK - 1, zone, locale, short) })}</span>
    <button part="button" ?disabled=${!later} @click=${() => dispatch({ type: "week", step: 1 })}>${t.later}</button>
  </div>`;
  const days = byDay(times.times, zone);
  if (!days.size) {
    return html`${zones}${week}${
      later
        ? html`<button part="button" @click=${() => dispatch({ type: "week", step: 1 })}>${t.nextWeek}</button>`
        : nothing
    }`;
  }
  const keys = [...days.keys()];
  const chosenDay = startTime && keys.find((k) => days.get(k)!.includes(startTime));
  const day = pay.day && days.has(pay.day) ? pay.day : (chosenDay ?? keys[0]!);
  const dayTimes = days.get(day)!;
  const focusable = dayTimes.includes(startTime ?? "") ? startTime : dayTimes[0];
  const pick = (i: number) => dispatch({ type: "pick", startTime: dayTimes[i]!, timezone: zone });
  const dayLabel = (k: string) =>
    formatIn(days.get(k)![0]!, zone, locale, { weekday: "long", month: "long", day: "numeric" });
  return html`${zones}${week}
    <div role="tablist" aria-label=${t.days} part="days" @keydown=${roving("[role=tab]", true, (i) => dispatch({ type: "day", day: keys[i]! }))}>
      ${keys.map(
        (k) =>
          html`<button
            role="tab"
            part="day"
            id="baw-day-${k}"
            aria-selected=${k === day ? "true" : "false"}
            aria-controls="baw-times"
            tabindex=${k === day ? 0 : -1}
            @click=${() => dispatch({ type: "day", day: k })}
          >
            ${formatIn(days.get(k)![0]!, zone, locale, { weekday: "short", day: "numeric" })}
          </button>`,
      )}
    </div>
    <div role="tabpanel" id="baw-times" aria-labelledby="baw-day-${day}">
      <ul role="listbox" part="times" aria-label=${fill(t.timesOn, { day: dayLabel(day) })} @keydown=${roving("[role=option]", false, pick)}>
        ${dayTimes.map(
          (time, i) =>
            html`<li
              role="option"
              part="time"
              aria-selected=${time === startTime ? "true" : "false"}
              tabindex=${time === focusable ? 0 : -1}
              @click=${() => pick(i)}
            >
              ${formatIn(time, zone, locale, { hour: "numeric", minute: "2-digit" })}
            </li>`,
        )}
      </ul>
    </div>
    <button part="button" ?disabled=${!startTime} @click=${() => dispatch({ type: "continue" })}>
      ${flow.state === "needs-new-time" ? t.bookTime : t.continue}
    </button>`;
}

/** One field's error, next to it (and named by its control's `aria-describedby`). */
const fieldError = (id: string, error: string | undefined, t: T) =>
  error
    ? html`<p id="baw-error-${id}" class="err" part="field-error">${(t as Record<string, string>)[error] ?? t.invalid}</p>`
    : nothing;

/** A question's control: one line, several lines, a phone number, one choice or several. */
function question(q: Question, pay: PayFirst, t: T): TemplateResult {
  const id = `q${q.position}`;
  const value = pay.values[id] ?? "";
  const error = pay.errors[id];
  const label = `${q.name}${q.required ? "" : ` ${t.optional}`}`;
  const described = error ? `baw-error-${id}` : nothing;
  if (q.type === "single_select" || q.type === "multi_select") {
    const type = q.type === "single_select" ? "radio" : "checkbox";
    const chosen = value.split(", ");
    return html`<fieldset part="field" aria-describedby=${described}>
      <legend>${label}</legend>
      ${q.answerChoices.map(
        (c) =>
          html`<label class="choice"
            ><input type=${type} name=${id} value=${c} .checked=${chosen.includes(c)} ?required=${q.required && type === "radio"} />
            ${c}</label
          >`,
      )}
      ${fieldError(id, error, t)}
    </fieldset>`;
  }
  const invalid = error ? "true" : "false";
  const control =
    q.type === "text"
      ? html`<textarea id=${id} name=${id} rows="3" ?required=${q.required} aria-invalid=${invalid} aria-describedby=${described} .value=${value}></textarea>`
      : html`<input
          id=${id}
          name=${id}
          type=${q.type === "phone_number" ? "tel" : "text"}
          autocomplete=${q.type === "phone_number" ? "tel" : "off"}
          ?required=${q.required}
          aria-invalid=${invalid}
          aria-describedby=${described}
          .value=${value}
        />`;
  return html`<div part="field"><label for=${id}>${label}</label>${control}${fieldError(id, error, t)}</div>`;
}

/** The visitor's name, e-mail and the event type's questions; submitting reserves the time. */
function details(
  flow: Flow,
  t: T,
  locale: string,
  dispatch: (event: FlowEvent) => void,
  zone: string,
  host: PickerHost,
) {
  const pay = flow.pay!;
  const v = { name: host.name ?? "", email: host.email ?? "", ...pay.values };
  const input = (id: "name" | "email", label: string, type: string, autocomplete: string) => {
    const error = pay.errors[id];
    return html`<div part="field">
      <label for=${id}>${label}</label
      ><input
        id=${id}
        name=${id}
        type=${type}
        autocomplete=${autocomplete}
        required
        aria-invalid=${error ? "true" : "false"}
        aria-describedby=${error ? `baw-error-${id}` : nothing}
        .value=${v[id]}
      />${fieldError(id, error, t)}
    </div>`;
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const values: Record<string, string> = {};
    for (const k of new Set(data.keys())) values[k] = data.getAll(k).join(", ");
    dispatch({ type: "submit", values, timezone: zone });
    // The first field that is wrong takes the focus (its error is its description).
    host.updateComplete.then(() =>
      host.renderRoot.querySelector<HTMLElement>("[aria-invalid=true], fieldset[aria-describedby] input")?.focus(),
    );
  };
  return html`<p part="chosen">
      ${formatIn(pay.startTime!, zone, locale, { ...LONG, timeZoneName: "short" })}
      <button part="button" @click=${() => dispatch({ type: "change-time" })}>${t.changeTime}</button>
    </p>
    <form part="form" novalidate @submit=${submit}>
      ${input("name", t.nameLabel, "text", "name")} ${input("email", t.emailLabel, "email", "email")}
      ${(pay.times?.questions ?? []).map((q) => question(q, pay, t))}
      <button part="button" type="submit">${t.toPayment}</button>
    </form>`;
}

/** The views of `pick-time`, `details`, `reserving`, `needs-new-time` and `rebooking`. */
export function payFirstView(
  flow: Flow,
  strings: CoreStrings & Partial<Strings>,
  locale: string,
  view: View,
  dispatch: (event: FlowEvent) => void,
  host: PickerHost,
  now = Date.now(),
): TemplateResult {
  const t: T = { ...enPayFirst, ...strings };
  const pay = flow.pay;
  const zone = pay?.zone ?? detectedZone();
  const name = flow.config?.builder.name ?? flow.booking?.builder.name ?? "";
  const chosen = pay?.startTime ? fill(t.chosen, { time: formatIn(pay.startTime, zone, locale, LONG) }) : "";
  // The live region's message: what just happened (taken, nothing free, the chosen time).
  const said = pay?.taken ? t.taken : pay?.times && !pay.times.times.length ? t.noTimes : chosen;
  switch (flow.state) {
    case "details":
      return view(
        t.detailsTitle,
        Object.keys(pay!.errors).length ? t.fixFields : "",
        details(flow, t, locale, dispatch, zone, host),
      );
    case "reserving":
      return view(t.reserving, "", nothing, true);
    case "rebooking":
      return view(t.rebooking, "", nothing, true);
    case "needs-new-time": {
      const b = flow.booking!;
      const by = b.rebookBy ? formatIn(b.rebookBy, zone, locale, { ...LONG, timeZoneName: "short" }) : "";
      const canRebook = flow.ref && "token" in flow.ref;
      return view(
        t.newTimeTitle,
        said,
        html`<p>${fill(t.newTimeText, { name, time: by })}</p>
          ${canRebook ? picker(flow, t, locale, now, dispatch, zone) : nothing}`,
      );
    }
    default:
      return view(fill(t.calendarTitle, { name }), said, picker(flow, t, locale, now, dispatch, zone));
  }
}
