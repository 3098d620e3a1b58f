import vm from "node:vm";
import { type FakeCalendly, startFakeCalendly } from "@baw/sandbox";
import t from "tap";
import { uuidFromUri } from "../src/providers/calendly.js";

const EVENT_TYPE_UUID = "7a3e9f10-0000-4000-8000-0000000000e1";
let fake: FakeCalendly;

t.before(async () => {
  fake = await startFakeCalendly({
    token: "sandbox-token",
    webhookSigningKey: "key",
    eventTypes: [
      {
        userUuid: "7a3e9f10-0000-4000-8000-000000000001",
        userSlug: "rio",
        userName: "Rio Builder",
        userEmail: "rio@example.test",
        eventTypeUuid: EVENT_TYPE_UUID,
        slug: "mentoring",
        name: "Mentoring",
        durationMinutes: 60,
      },
    ],
  });
});
t.teardown(() => fake.close());

async function getPage(path: string): Promise<{ status: number; type: string | null; html: string }> {
  const res = await fetch(`${fake.url}${path}`);
  return { status: res.status, type: res.headers.get("content-type"), html: await res.text() };
}

const slotsOf = (html: string) => [...html.matchAll(/data-slot="([^"]+)"/g)].map((m) => m[1]!);

function configOf(html: string): Record<string, unknown> {
  const match = /<script type="application\/json" id="sandbox-config">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error("no sandbox-config");
  return JSON.parse(match[1]!);
}

async function postJson(path: string, body: unknown) {
  const res = await fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

interface StubElement {
  textContent: string;
  value: string;
  hidden: boolean;
  disabled: boolean;
  className: string;
  attrs: Record<string, string>;
  listeners: Record<string, (e: unknown) => void>;
  setAttribute(k: string, v: string): void;
  getAttribute(k: string): string | undefined;
  addEventListener(type: string, fn: (e: unknown) => void): void;
  focus(): void;
}

/**
 * Runs the page's own inline script against a minimal DOM stub, with `fetch` going to the fake.
 * Returns the messages it posted to window.parent.
 */
function runPageScript(html: string, values: { name: string; email: string }) {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const configText = /<script type="application\/json" id="sandbox-config">([\s\S]*?)<\/script>/.exec(html)![1]!;
  const el = (init: Partial<StubElement> = {}): StubElement => ({
    textContent: "",
    value: "",
    hidden: false,
    disabled: false,
    className: "",
    attrs: {},
    listeners: {},
    setAttribute(k, v) {
      this.attrs[k] = v;
    },
    getAttribute(k) {
      return this.attrs[k];
    },
    addEventListener(type, fn) {
      this.listeners[type] = fn;
    },
    focus() {},
    ...init,
  });
  const elements: Record<string, StubElement> = {
    "sandbox-config": el({ textContent: configText }),
    "booking-form": el(),
    schedule: el(),
    status: el(),
    "invitee-name": el({ value: values.name }),
    "invitee-email": el({ value: values.email }),
    confirmation: el({ hidden: true }),
    "confirmation-time": el(),
    "slots-legend": el({ textContent: "Pick a time (UTC)" }),
  };
  const ends = [...html.matchAll(/data-end="([^"]+)"/g)].map((m) => m[1]!);
  const slots = slotsOf(html).map((iso, i) =>
    el({ attrs: { "data-slot": iso, "data-end": ends[i]! }, textContent: iso }),
  );
  const posted: Array<{ message: { event: string; payload: Record<string, unknown> }; target: string }> = [];
  const context = {
    window: {
      parent: {
        postMessage: (message: { event: string; payload: Record<string, unknown> }, target: string) =>
          posted.push({ message, target }),
      },
    },
    document: {
      getElementById: (id: string) => elements[id] ?? null,
      querySelectorAll: () => slots,
      documentElement: { scrollHeight: 1200 },
      body: { scrollHeight: 812.4 },
    },
    fetch: (url: string, init: RequestInit) => fetch(new URL(url, fake.url), init),
    Intl,
  };
  vm.runInNewContext(scripts.join("\n"), context);
  const submit = async () => {
    elements["booking-form"]!.listeners.submit!({ preventDefault() {} });
    for (let i = 0; i < 200 && elements.confirmation!.hidden && !elements.status!.className; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { posted, slots, elements, submit };
}

t.test("the embedded scheduling page: labelled, prefilled, with slots and a Schedule button", async (t) => {
  const page = await getPage(
    "/rio/mentoring?embed_type=Inline&embed_domain=shop.example&name=Sam%20Visitor&email=sam%40example.test" +
      "&utm_content=att_page_1&utm_source=baw&a1=Ship%20it&guests=a%40x.test,b%40y.test" +
      "&hide_gdpr_banner=1&primary_color=ff5500",
  );
  t.equal(page.status, 200);
  t.match(page.type, /^text\/html/);
  t.match(page.html, /<h1>Sandbox Calendly<\/h1>/);
  t.match(page.html, /<button id="schedule"[^>]*>Schedule<\/button>/);
  t.match(page.html, /value="Sam Visitor"/);
  t.match(page.html, /value="sam@example.test"/);
  t.match(page.html, /--primary: #ff5500/);
  t.notMatch(page.html, /id="gdpr-banner"/, "hide_gdpr_banner=1 hides the banner");
  for (const event of [
    "calendly.event_type_viewed",
    "calendly.page_height",
    "calendly.date_and_time_selected",
    "calendly.event_scheduled",
  ]) {
    t.ok(page.html.includes(`"${event}"`), `script posts ${event}`);
  }
  const slots = slotsOf(page.html);
  t.ok(slots.length >= 3, "a few concrete slots");
  const tomorrow = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
  for (const s of slots) t.ok(new Date(s).getTime() >= tomorrow, `${s} is days ahead, in UTC`);
  const config = configOf(page.html);
  t.equal(config.embedded, true);
  t.same(config.tracking, { utm_source: "baw", utm_content: "att_page_1" });
});

t.test("a page view holds no slot (as on Calendly): only a booking takes one off the list", async (t) => {
  const a = slotsOf((await getPage("/rio/mentoring?embed_domain=x&date=2031-01-06")).html);
  const b = slotsOf((await getPage("/rio/mentoring?embed_domain=x&date=2031-01-06")).html);
  t.ok(a.length > 1);
  t.same(b, a, "a second view offers the same times");
  const booked = await postJson("/_sandbox/schedule", {
    event_type_uuid: EVENT_TYPE_UUID,
    start_time: a[0],
    name: "Hold Tester",
    email: "hold@example.test",
  });
  t.equal(booked.status, 201);
  const c = slotsOf((await getPage("/rio/mentoring?embed_domain=x&date=2031-01-06")).html);
  t.notOk(c.includes(a[0]!), "the booked time is gone");
  t.equal(c[0], a[1], "the next free time comes first, not a week later");
});

t.test("the page's script posts the real message sequence and books through /_sandbox/schedule", async (t) => {
  const page = await getPage("/rio/mentoring?embed_type=Inline&embed_domain=shop.example&utm_content=att_script");
  const run = runPageScript(page.html, { name: "Vi Visitor", email: "vi@example.test" });
  t.same(
    run.posted.map((p) => p.message),
    [
      { event: "calendly.event_type_viewed", payload: {} },
      { event: "calendly.page_height", payload: { height: "813px" } },
    ],
    "on load: event_type_viewed, then page_height as a string",
  );
  t.ok(
    run.posted.every((p) => p.target === "*"),
    'targetOrigin "*"',
  );
  const first = run.slots[0]!;
  const start = new Date(first.attrs["data-slot"]!);
  const end = new Date(first.attrs["data-end"]!);
  t.equal(end.getTime() - start.getTime(), 60 * 60_000, "each slot knows its end");
  const local = new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).formatRange(start, end);
  t.equal(first.textContent, local, "slots are labelled in the visitor's zone and locale, as on Calendly");
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  t.equal(run.elements["slots-legend"]!.textContent, `Pick a time (${zone})`, "the legend names the zone");

  run.slots[1]!.listeners.click!({});
  t.same(run.posted[2]?.message, { event: "calendly.date_and_time_selected", payload: {} });
  t.equal(run.slots[1]!.attrs["aria-pressed"], "true");

  await run.submit();
  const scheduled = run.posted.find((p) => p.message.event === "calendly.event_scheduled")?.message;
  t.ok(scheduled, "event_scheduled was posted");
  const payload = scheduled!.payload as { event: { uri: string }; invitee: { uri: string } };
  const event = fake.event(payload.event.uri);
  const invitee = fake.invitee(payload.invitee.uri);
  t.equal(event?.start_time.slice(0, 19), run.slots[1]!.attrs["data-slot"]!.slice(0, 19), "the picked slot was booked");
  t.equal(invitee?.email, "vi@example.test");
  t.equal(invitee?.tracking.utm_content, "att_script", "utm params from the page URL reach the invitee");
  t.equal(invitee?.event, payload.event.uri);
  t.equal(run.elements.confirmation!.hidden, false, "shows the confirmation");
  t.same(run.posted.at(-1)?.message.event, "calendly.page_height", "height is re-posted after the confirmation");
});

t.test("opened directly (no embed_domain) it posts nothing but still books", async (t) => {
  const page = await getPage("/rio/mentoring?name=Wu&email=wu%40example.test");
  t.equal(configOf(page.html).embedded, false);
  t.match(page.html, /id="gdpr-banner"/);
  const run = runPageScript(page.html, { name: "Wu", email: "wu@example.test" });
  const before = fake.events.length;
  await run.submit();
  t.same(run.posted, []);
  t.equal(fake.events.length, before + 1, "scheduling works without a slot being picked first");
  t.equal(run.elements.confirmation!.hidden, false);
});

t.test("POST /_sandbox/schedule creates the event; the same slot twice is a 409", async (t) => {
  const [slot] = slotsOf((await getPage("/rio/mentoring?embed_domain=x")).html);
  const created = await postJson("/_sandbox/schedule", {
    event_type_uuid: EVENT_TYPE_UUID,
    start_time: slot,
    name: "Xa Visitor",
    email: "xa@example.test",
    utm_content: "att_post",
    utm_campaign: "spring",
    answers: ["Goals", "", "More"],
    guests: ["g@example.test"],
    timezone: "Europe/Berlin",
  });
  t.equal(created.status, 201);
  const eventUri = created.body.eventUri as string;
  const inviteeUri = created.body.inviteeUri as string;
  t.same(created.body.event, { uri: eventUri });
  t.same(created.body.invitee, { uri: inviteeUri });
  t.equal(eventUri, `${fake.apiBase}/scheduled_events/${uuidFromUri(eventUri)}`, "URIs use the fake's own origin");
  const event = fake.event(eventUri)!;
  t.equal(new Date(event.start_time).toISOString(), slot);
  t.equal(event.event_guests?.[0]?.email, "g@example.test");
  const invitee = fake.invitee(inviteeUri)!;
  t.equal(invitee.tracking.utm_content, "att_post");
  t.equal(invitee.tracking.utm_campaign, "spring");
  t.equal(invitee.timezone, "Europe/Berlin");
  t.same(
    invitee.questions_and_answers.map((q) => [q.position, q.answer]),
    [
      [0, "Goals"],
      [2, "More"],
    ],
  );
  t.equal(invitee.cancel_url, `${fake.url}/cancellations/${uuidFromUri(inviteeUri)}`);

  const count = fake.events.length;
  const again = await postJson("/_sandbox/schedule", {
    event_type_uuid: EVENT_TYPE_UUID,
    start_time: slot,
    name: "Yo",
    email: "yo@example.test",
  });
  t.equal(again.status, 409);
  t.equal(typeof again.body.message, "string");
  t.equal(fake.events.length, count, "nothing was written");
});

t.test("bad input and unknown pages", async (t) => {
  const badEmail = await postJson("/_sandbox/schedule", { event_type_uuid: EVENT_TYPE_UUID, name: "Z", email: "nope" });
  t.equal(badEmail.status, 400);
  t.equal(badEmail.body.title, "Invalid Argument");
  const unknownType = await postJson("/_sandbox/schedule", {
    event_type_uuid: "no-such-type",
    name: "Z",
    email: "z@example.test",
  });
  t.equal(unknownType.status, 404);

  for (const path of ["/rio/nope", "/nobody/mentoring", "/nobody", "/rio/mentoring/extra", "/"]) {
    const page = await getPage(path);
    t.equal(page.status, 404, `${path} is 404`);
    t.match(page.html, /Sandbox Calendly/);
  }
});

t.test("prefill values are escaped", async (t) => {
  const page = await getPage(`/rio/mentoring?embed_domain=x&name=${encodeURIComponent('"><script>alert(1)</script>')}`);
  t.equal(page.status, 200);
  t.notMatch(page.html, /<script>alert\(1\)/);
  t.match(page.html, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
});

t.test("profile page lists event types and posts profile_page_viewed when embedded", async (t) => {
  const page = await getPage("/rio?embed_domain=x");
  t.equal(page.status, 200);
  t.match(page.html, /href="[^"]*\/rio\/mentoring\?embed_domain=x"/);
  t.ok(page.html.includes('"calendly.profile_page_viewed"'));
});

t.test("the invitee's cancel and reschedule pages work", async (t) => {
  const booked = await fake.schedule({ eventTypeUuid: EVENT_TYPE_UUID, name: "Ana", email: "ana@example.test" });
  const invitee = fake.invitee(booked.inviteeUri)!;

  const reschedulePage = await getPage(new URL(invitee.reschedule_url).pathname);
  t.equal(reschedulePage.status, 200);
  t.match(reschedulePage.html, /<button id="schedule"[^>]*>Reschedule<\/button>/);
  const [slot] = slotsOf(reschedulePage.html);
  const moved = await postJson("/_sandbox/reschedule", {
    invitee_uuid: uuidFromUri(booked.inviteeUri),
    start_time: slot,
  });
  t.equal(moved.status, 201);
  t.equal(fake.invitee(booked.inviteeUri)?.rescheduled, true);
  const newInviteeUri = moved.body.inviteeUri as string;
  t.equal(fake.invitee(newInviteeUri)?.old_invitee, booked.inviteeUri);

  const cancelPage = await getPage(`/cancellations/${uuidFromUri(newInviteeUri)}`);
  t.match(cancelPage.html, /<button id="cancel"/);
  const canceled = await postJson("/_sandbox/cancel", { invitee_uuid: uuidFromUri(newInviteeUri), reason: "sick" });
  t.equal(canceled.status, 201);
  t.equal((canceled.body.resource as { canceler_type: string }).canceler_type, "invitee");
  t.equal(fake.invitee(newInviteeUri)?.status, "canceled");
  t.notMatch((await getPage(`/cancellations/${uuidFromUri(newInviteeUri)}`)).html, /<button id="cancel"/);
  const twice = await postJson("/_sandbox/cancel", { invitee_uuid: uuidFromUri(newInviteeUri) });
  t.equal(twice.status, 403);
});
