// HTML pages of the fake Calendly: the scheduling page (`/{userSlug}/{eventSlug}`), the
// profile page (`/{userSlug}`), the invitee's cancel and reschedule pages, and a 404.
//
// Embedded (an `embed_domain` query parameter, as in Calendly's inline embed) the scheduling
// page posts Calendly's message sequence to window.parent as `{event, payload}` with
// targetOrigin "*": calendly.event_type_viewed {} and calendly.page_height {height: "<n>px"} on
// load, calendly.date_and_time_selected {} when a slot is picked, and calendly.event_scheduled
// {event: {uri}, invitee: {uri}} once POST /_sandbox/schedule has created the booking.
// Without `embed_domain` it posts nothing and is still a working booking page.

import { escapeHtml, jsonForScript } from "./http.js";
import type { CustomQuestionRecord } from "./questions.js";
import type { EventRecord, EventTypeRecord, HostRecord, InviteeRecord } from "./store.js";
import { TRACKING_KEYS, type Tracking } from "./wire.js";

export const SLOTS_PER_PAGE = 6;

export interface PageParams {
  embedDomain: string | null;
  name: string;
  email: string;
  firstName: string;
  lastName: string;
  guests: string[];
  /** a1…a10, index 0 = a1; missing answers are "". */
  answers: string[];
  date: Date | undefined;
  tracking: Partial<Tracking>;
  hideEventTypeDetails: boolean;
  hideGdprBanner: boolean;
  primaryColor: string | null;
}

export function parsePageParams(query: URLSearchParams): PageParams {
  const get = (key: string) => (query.get(key) ?? "").trim();
  const firstName = get("first_name");
  const lastName = get("last_name");
  const tracking: Partial<Tracking> = {};
  for (const key of TRACKING_KEYS) {
    const value = get(key);
    if (value) tracking[key] = value.slice(0, 255);
  }
  const answers: string[] = [];
  for (let i = 1; i <= 10; i++) answers.push(get(`a${i}`));
  while (answers.length > 0 && answers[answers.length - 1] === "") answers.pop();
  const dateText = get("date");
  const date = /^\d{4}-\d{2}-\d{2}$/.test(dateText) ? new Date(`${dateText}T00:00:00Z`) : undefined;
  const color = get("primary_color").replace(/^#/, "");
  return {
    embedDomain: get("embed_domain") || null,
    name: get("name") || [firstName, lastName].filter(Boolean).join(" "),
    email: get("email"),
    firstName,
    lastName,
    guests: get("guests")
      .split(",")
      .map((g) => g.trim())
      .filter(Boolean)
      .slice(0, 10),
    answers,
    date: date && !Number.isNaN(date.getTime()) ? date : undefined,
    tracking,
    hideEventTypeDetails: get("hide_event_type_details") === "1",
    hideGdprBanner: get("hide_gdpr_banner") === "1",
    primaryColor: /^[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/.test(color) ? color : null,
  };
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

export function slotLabel(start: Date, durationMinutes: number): string {
  const end = new Date(start.getTime() + durationMinutes * 60_000);
  const day = `${WEEKDAYS[start.getUTCDay()]}, ${start.getUTCDate()} ${MONTHS[start.getUTCMonth()]} ${start.getUTCFullYear()}`;
  const hm = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return `${day}, ${hm(start)}–${hm(end)} UTC`;
}

const STYLE = `
:root { --primary: #006bff; color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; background: #fff; }
main { max-width: 40rem; margin: 0 auto; padding: 1.25rem; }
.badge { display: inline-block; padding: .15rem .55rem; border-radius: 999px; background: #fff4ce; color: #5c4400; border: 1px solid #e0c36a; font-size: .8rem; font-weight: 600; }
h1 { font-size: 1.1rem; margin: .5rem 0 0; color: #4d4d4d; }
h2 { font-size: 1.5rem; margin: .25rem 0 .75rem; }
.details { color: #4d4d4d; margin-bottom: 1rem; }
fieldset { border: 1px solid #d4d4d4; border-radius: 8px; padding: .75rem; margin: 0 0 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
.slots { display: grid; gap: .5rem; }
button { font: inherit; cursor: pointer; border-radius: 6px; }
[data-slot] { padding: .6rem .75rem; border: 1px solid var(--primary); background: #fff; color: #0b3d91; text-align: left; }
[data-slot][aria-pressed="true"] { background: var(--primary); color: #fff; }
[data-slot]:disabled { opacity: .5; cursor: not-allowed; text-decoration: line-through; }
label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
input, textarea { width: 100%; font: inherit; padding: .5rem; border: 1px solid #8c8c8c; border-radius: 6px; }
.primary { margin-top: 1rem; padding: .7rem 1.4rem; border: 0; background: var(--primary); color: #fff; font-weight: 600; }
.primary:disabled { opacity: .6; cursor: progress; }
:focus-visible { outline: 3px solid #1f1f1f; outline-offset: 2px; }
#status { min-height: 1.5rem; margin-top: .75rem; }
.error { color: #a00; }
.gdpr { margin-top: 1.5rem; font-size: .85rem; color: #4d4d4d; border-top: 1px solid #e5e5e5; padding-top: .75rem; }
.confirmation { border: 1px solid #2e7d32; border-radius: 8px; padding: 1rem; background: #f1f8f1; }
ul.plain { list-style: none; padding: 0; }
ul.plain li { margin: .5rem 0; }
select { width: 100%; font: inherit; padding: .5rem; border: 1px solid #8c8c8c; border-radius: 6px; }
label.choice { font-weight: 400; margin: .25rem 0; }
label.choice input { width: auto; }
`;

export function layout(title: string, body: string, primaryColor: string | null = null): string {
  const color = primaryColor ? `<style>:root { --primary: #${primaryColor}; }</style>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · Sandbox Calendly</title>
<style>${STYLE}</style>${color}
</head>
<body>
${body}
</body>
</html>
`;
}

export const BANNER = `<p><span class="badge" role="note">Sandbox</span></p>
<h1>Sandbox Calendly</h1>`;

// Runs in the page. Plain ES2017, no dependencies.
const PAGE_SCRIPT = `
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sandbox-config").textContent);
  var form = document.getElementById("booking-form");
  var scheduleButton = document.getElementById("schedule");
  var status = document.getElementById("status");
  var slots = Array.prototype.slice.call(document.querySelectorAll("[data-slot]"));
  var selected = config.selected || null;
  var done = false;

  // Like Calendly, times in the invitee's own zone (the server renders them in UTC until this runs).
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  var when = new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit"
  });
  slots.forEach(function (b) {
    var start = new Date(b.getAttribute("data-slot"));
    var end = new Date(b.getAttribute("data-end"));
    if (end > start) b.textContent = when.formatRange(start, end);
  });
  var legend = document.getElementById("slots-legend");
  if (legend) legend.textContent = "Pick a time (" + zone + ")";

  function post(event, payload) {
    if (!config.embedded || window.parent === window) return;
    window.parent.postMessage({ event: event, payload: payload }, "*");
  }
  function postHeight() {
    // The content's height (documentElement.scrollHeight never drops below the iframe's own height).
    var h = Math.ceil(document.body.scrollHeight);
    post("calendly.page_height", { height: h + "px" });
  }
  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }
  function select(button) {
    if (done || button.disabled) return;
    slots.forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
    selected = button.getAttribute("data-slot");
    say("Selected: " + button.textContent, false);
    post("calendly.date_and_time_selected", {});
  }
  slots.forEach(function (button) {
    button.addEventListener("click", function () { select(button); });
  });

  // The answers by question position (a1… when the event type asks no questions of its own).
  function answers() {
    if (!config.questions.length) return config.prefill.answers;
    var out = [];
    config.questions.forEach(function (q) {
      var value = "";
      if (q.type === "multi_select") {
        value = q.choices.filter(function (c, i) {
          var box = document.getElementById(q.id + "-" + i);
          return box && box.checked;
        }).join("\\n");
      } else {
        var field = document.getElementById(q.id);
        value = field ? field.value : "";
      }
      out[q.position] = value;
    });
    for (var i = 0; i < out.length; i++) if (out[i] === undefined) out[i] = "";
    return out;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (done) return;
    if (!selected) {
      var first = slots.filter(function (b) { return !b.disabled; })[0];
      if (!first) { say("No times are available. Reload the page for more.", true); return; }
      select(first);
    }
    var body = {
      event_type_uuid: config.eventTypeUuid,
      invitee_uuid: config.inviteeUuid,
      start_time: selected,
      name: document.getElementById("invitee-name").value,
      email: document.getElementById("invitee-email").value,
      first_name: config.prefill.first_name,
      last_name: config.prefill.last_name,
      guests: config.prefill.guests,
      answers: answers(),
      timezone: (Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC")
    };
    Object.keys(config.tracking).forEach(function (k) { body[k] = config.tracking[k]; });
    scheduleButton.disabled = true;
    say("Scheduling…", false);
    fetch(config.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) { return { res: res, data: data }; });
    }).then(function (r) {
      if (!r.res.ok) {
        scheduleButton.disabled = false;
        if (r.res.status === 409) {
          slots.forEach(function (b) {
            if (b.getAttribute("data-slot") === selected) { b.disabled = true; b.setAttribute("aria-pressed", "false"); }
          });
          selected = null;
        }
        say((r.data && r.data.message) || ("Could not schedule (" + r.res.status + ")."), true);
        return;
      }
      done = true;
      post("calendly.event_scheduled", { event: { uri: r.data.eventUri }, invitee: { uri: r.data.inviteeUri } });
      form.hidden = true;
      var confirmation = document.getElementById("confirmation");
      var chosen = slots.filter(function (b) { return b.getAttribute("data-slot") === selected; })[0];
      document.getElementById("confirmation-time").textContent = chosen ? chosen.textContent + " (" + zone + ")" : r.data.label || "";
      confirmation.hidden = false;
      confirmation.focus();
      say("", false);
      postHeight();
    }).catch(function () {
      scheduleButton.disabled = false;
      say("Could not reach the sandbox. Try again.", true);
    });
  });

  post("calendly.event_type_viewed", {});
  postHeight();
})();
`;

export interface SchedulingPageInput {
  host: HostRecord;
  eventType: EventTypeRecord;
  slots: Date[];
  params: PageParams;
  /** Reschedule page: the invitee being moved and their current event. */
  reschedule?: { invitee: InviteeRecord; event: EventRecord };
  /** The slot already picked (an available time's own scheduling_url). */
  selected?: Date;
}

/** The event type's enabled questions as form fields, prefilled from a1…a10. */
function questionFields(questions: readonly CustomQuestionRecord[], prefill: readonly string[]): string {
  return questions
    .filter((q) => q.enabled)
    .map((q) => {
      const id = `question-${q.position}`;
      const value = prefill[q.position] ?? "";
      const required = q.required ? " required" : "";
      const label = `<label for="${id}">${escapeHtml(q.name)}${q.required ? " *" : ""}</label>`;
      if (q.type === "multi_select") {
        const picked = value.split(/\n|,/).map((v) => v.trim());
        const boxes = q.answerChoices
          .map(
            (choice, i) =>
              `<label class="choice"><input type="checkbox" id="${id}-${i}" value="${escapeHtml(choice)}"${
                picked.includes(choice) ? " checked" : ""
              }> ${escapeHtml(choice)}</label>`,
          )
          .join("\n");
        return `<fieldset id="${id}"><legend>${escapeHtml(q.name)}${q.required ? " *" : ""}</legend>\n${boxes}\n</fieldset>`;
      }
      if (q.type === "single_select" && !q.includeOther) {
        const options = [`<option value=""></option>`]
          .concat(
            q.answerChoices.map(
              (choice) =>
                `<option value="${escapeHtml(choice)}"${choice === value ? " selected" : ""}>${escapeHtml(choice)}</option>`,
            ),
          )
          .join("");
        return `${label}\n<select id="${id}" name="${id}"${required}>${options}</select>`;
      }
      if (q.type === "text") {
        return `${label}\n<textarea id="${id}" name="${id}" rows="3"${required}>${escapeHtml(value)}</textarea>`;
      }
      const type = q.type === "phone_number" ? "tel" : "text";
      const list = q.type === "single_select" ? ` list="${id}-choices"` : "";
      const datalist =
        q.type === "single_select"
          ? `<datalist id="${id}-choices">${q.answerChoices.map((c) => `<option value="${escapeHtml(c)}">`).join("")}</datalist>`
          : "";
      return `${label}\n<input id="${id}" name="${id}" type="${type}" value="${escapeHtml(value)}"${list}${required}>${datalist}`;
    })
    .join("\n");
}

export function renderSchedulingPage(input: SchedulingPageInput): string {
  const { host, eventType: et, slots, params, reschedule } = input;
  const selected = input.selected?.toISOString() ?? null;
  // A reschedule keeps the invitee's answers; a booking asks the event type's questions.
  const questions = reschedule ? [] : et.customQuestions.filter((q) => q.enabled);
  const config = {
    embedded: params.embedDomain !== null,
    eventTypeUuid: et.uuid,
    inviteeUuid: reschedule?.invitee.uuid ?? null,
    endpoint: reschedule ? "/_sandbox/reschedule" : "/_sandbox/schedule",
    selected,
    questions: questions.map((q) => ({
      id: `question-${q.position}`,
      position: q.position,
      type: q.type,
      choices: q.answerChoices,
    })),
    tracking: params.tracking,
    prefill: {
      first_name: params.firstName || null,
      last_name: params.lastName || null,
      guests: params.guests,
      answers: params.answers,
    },
  };
  const name = reschedule?.invitee.name ?? params.name;
  const email = reschedule?.invitee.email ?? params.email;
  const slotButtons = slots
    .map(
      (s) =>
        `<button type="button" data-slot="${escapeHtml(s.toISOString())}" data-end="${escapeHtml(
          new Date(s.getTime() + et.durationMinutes * 60_000).toISOString(),
        )}" aria-pressed="${s.toISOString() === selected ? "true" : "false"}"><time datetime="${escapeHtml(
          s.toISOString(),
        )}">${escapeHtml(slotLabel(s, et.durationMinutes))}</time></button>`,
    )
    .join("\n");
  const details = params.hideEventTypeDetails
    ? ""
    : `<p class="details" id="event-type-details">${escapeHtml(host.name)} · ${escapeHtml(et.durationMinutes)} min</p>`;
  const rescheduleNote = reschedule
    ? `<p id="reschedule-note">Rescheduling the booking on ${escapeHtml(slotLabel(reschedule.event.start, et.durationMinutes))}.</p>`
    : "";
  const gdpr = params.hideGdprBanner
    ? ""
    : `<aside class="gdpr" id="gdpr-banner" aria-label="Privacy">This is a local sandbox: bookings live in memory only and nothing is sent to Calendly.</aside>`;
  const body = `<main aria-labelledby="event-name">
${BANNER}
<h2 id="event-name">${escapeHtml(et.name)}</h2>
${details}
${rescheduleNote}
<form id="booking-form">
  <fieldset>
    <legend id="slots-legend">Pick a time (UTC)</legend>
    <div class="slots" role="group" aria-label="Available times">
${slotButtons || "<p>No times are available.</p>"}
    </div>
  </fieldset>
  <label for="invitee-name">Name</label>
  <input id="invitee-name" name="name" autocomplete="name" required value="${escapeHtml(name)}"${reschedule ? " readonly" : ""}>
  <label for="invitee-email">Email</label>
  <input id="invitee-email" name="email" type="email" autocomplete="email" required value="${escapeHtml(email)}"${reschedule ? " readonly" : ""}>
${questionFields(questions, params.answers)}
  <button id="schedule" class="primary" type="submit">${reschedule ? "Reschedule" : "Schedule"}</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<section id="confirmation" class="confirmation" tabindex="-1" hidden aria-labelledby="confirmation-title">
  <h3 id="confirmation-title">You are scheduled</h3>
  <p>${escapeHtml(et.name)} with ${escapeHtml(host.name)}</p>
  <p id="confirmation-time"></p>
</section>
${gdpr}
</main>
<script type="application/json" id="sandbox-config">${jsonForScript(config)}</script>
<script>${PAGE_SCRIPT}</script>`;
  return layout(et.name, body, params.primaryColor);
}

// The profile page lists a host's event types. Embedded, it posts calendly.profile_page_viewed.
const PROFILE_SCRIPT = `
(function () {
  var config = JSON.parse(document.getElementById("sandbox-config").textContent);
  if (!config.embedded || window.parent === window) return;
  window.parent.postMessage({ event: "calendly.profile_page_viewed", payload: {} }, "*");
  var h = Math.ceil(document.body.scrollHeight);
  window.parent.postMessage({ event: "calendly.page_height", payload: { height: h + "px" } }, "*");
})();
`;

export function renderProfilePage(
  host: HostRecord,
  eventTypes: EventTypeRecord[],
  query: URLSearchParams,
  schedulingUrl: (et: EventTypeRecord) => string,
): string {
  const qs = query.toString();
  const items = eventTypes
    .map(
      (et) =>
        `<li><a href="${escapeHtml(`${schedulingUrl(et)}${qs ? `?${qs}` : ""}`)}">${escapeHtml(et.name)}</a> · ${escapeHtml(
          et.durationMinutes,
        )} min</li>`,
    )
    .join("\n");
  const params = parsePageParams(query);
  const body = `<main aria-labelledby="host-name">
${BANNER}
<h2 id="host-name">${escapeHtml(host.name)}</h2>
<ul class="plain">
${items}
</ul>
</main>
<script type="application/json" id="sandbox-config">${jsonForScript({ embedded: params.embedDomain !== null })}</script>
<script>${PROFILE_SCRIPT}</script>`;
  return layout(host.name, body, params.primaryColor);
}

const CANCEL_SCRIPT = `
(function () {
  var config = JSON.parse(document.getElementById("sandbox-config").textContent);
  var form = document.getElementById("cancel-form");
  var status = document.getElementById("status");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    document.getElementById("cancel").disabled = true;
    fetch("/_sandbox/cancel", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ invitee_uuid: config.inviteeUuid, reason: document.getElementById("reason").value })
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) { document.getElementById("cancel").disabled = false; status.textContent = data.message || "Could not cancel."; return; }
        form.hidden = true;
        status.textContent = "Canceled.";
      });
    }).catch(function () { document.getElementById("cancel").disabled = false; status.textContent = "Could not reach the sandbox."; });
  });
})();
`;

export function renderCancellationPage(
  host: HostRecord,
  et: EventTypeRecord,
  event: EventRecord,
  invitee: InviteeRecord,
): string {
  const active = invitee.status === "active" && event.status === "active";
  const body = `<main aria-labelledby="event-name">
${BANNER}
<h2 id="event-name">Cancel ${escapeHtml(et.name)}</h2>
<p class="details">${escapeHtml(host.name)} · ${escapeHtml(slotLabel(event.start, et.durationMinutes))}</p>
${
  active
    ? `<form id="cancel-form">
  <label for="reason">Reason (optional)</label>
  <textarea id="reason" name="reason" rows="3"></textarea>
  <button id="cancel" class="primary" type="submit">Cancel event</button>
</form>`
    : "<p>This event is already canceled.</p>"
}
<p id="status" role="status" aria-live="polite"></p>
</main>
<script type="application/json" id="sandbox-config">${jsonForScript({ inviteeUuid: invitee.uuid })}</script>
${active ? `<script>${CANCEL_SCRIPT}</script>` : ""}`;
  return layout(`Cancel ${et.name}`, body);
}

export function renderNotFoundPage(): string {
  return layout(
    "Page not found",
    `<main aria-labelledby="not-found">
${BANNER}
<h2 id="not-found">This Calendly URL isn't valid</h2>
<p>No user or event type in this sandbox has that link.</p>
</main>`,
  );
}
