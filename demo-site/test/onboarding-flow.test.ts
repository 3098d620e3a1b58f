// The "Become a builder" pages against a stand-in for the service's partner API: the steps and
// their redirects, what is sent to the service, errors shown beside their fields, every value
// escaped, and the forms refused without the visitor's session, from another origin, or
// without the session's token. The whole flow against the real service is onboarding.test.ts.
import type { AddressInfo } from "node:net";
import t from "tap";
import { closeServer, createSiteServer, listen } from "../src/http.js";
import { calendlyProblem } from "../src/onboarding/pages.js";
import {
  type Answer,
  type OnboardingBuilder,
  type PartnerClient,
  ServiceUnavailable,
} from "../src/onboarding/partner-client.js";
import { nextStep, onboarding, parsePrice } from "../src/onboarding/routes.js";
import { OnboardingSessions, SESSION_COOKIE } from "../src/onboarding/session.js";
import type { PageEnv } from "../src/pages.js";

const EVIL = `Ada <script>alert("x")</script> & "co"`;
const EVENT_TYPE = {
  uri: "https://api.calendly.test/event_types/et-1",
  name: "Pairing <hour>",
  durationMinutes: 60,
  schedulingUrl: "https://calendly.test/ada/pairing",
  active: true,
};

function builderWith(over: Partial<OnboardingBuilder> = {}): OnboardingBuilder {
  return {
    id: "0b8f6c1e-4d2a-4f8e-9c3b-5a7d1e2f3a4b",
    slug: "ada",
    name: EVIL,
    headline: "Engines",
    bio: "",
    isDemo: false,
    active: true,
    state: "unavailable",
    reason: "no session type",
    sessionTypes: [],
    calendly: { connected: false },
    ...over,
  };
}

/** The partner API as a script: each method answers what the test put there, and calls are kept. */
class StubClient implements PartnerClient {
  calls: [string, ...unknown[]][] = [];
  builder = builderWith();
  down = false;
  createAnswer?: Answer<OnboardingBuilder>;
  connectAnswer: Answer<{ authorizeUrl: string }> = {
    ok: true,
    value: { authorizeUrl: "https://auth.calendly.test/oauth/authorize?client_id=x&state=s" },
  };
  sessionTypeAnswer?: Answer<{ id: string }>;

  private record(name: string, ...args: unknown[]) {
    this.calls.push([name, ...args]);
    if (this.down) throw new ServiceUnavailable("down");
  }
  async createBuilder(input: Parameters<PartnerClient["createBuilder"]>[0]) {
    this.record("createBuilder", input);
    return this.createAnswer ?? { ok: true as const, value: this.builder };
  }
  async getBuilder(id: string) {
    this.record("getBuilder", id);
    return { ok: true as const, value: this.builder };
  }
  async connectCalendly(id: string, returnUrl: string) {
    this.record("connectCalendly", id, returnUrl);
    return this.connectAnswer;
  }
  async addSessionType(id: string, input: Parameters<PartnerClient["addSessionType"]>[1]) {
    this.record("addSessionType", id, input);
    return this.sessionTypeAnswer ?? { ok: true as const, value: { id: "st-1" } };
  }
  async connectPayouts(id: string, returnUrl: string) {
    this.record("connectPayouts", id, returnUrl);
    return { ok: true as const, value: { url: "https://connect.stripe.test/setup/e/acct_1" } };
  }
  names() {
    return this.calls.map((c) => c[0]);
  }
}

const env: PageEnv = {
  apiBase: "http://127.0.0.1:1",
  siteKey: "pk_test_x",
  widgetSrc: "/widget/baw-book-builder.js",
  links: { marketplace: "/", builderSite: "/", blocked: "/" },
  sandbox: true,
};

const client = new StubClient();
let balance: { amount: number; currency: string }[] | undefined;
const onb = onboarding({
  client,
  balanceOf: async () => balance,
  sessions: new OnboardingSessions({ secure: () => false }),
  pageEnv: () => env,
  origins: () => [origin],
});
const server = createSiteServer({
  router: (url, req, form) => onb.route(url, req, form),
  mounts: [],
  pageHeaders: () => ({}),
  notFound: () => "not found",
  acceptsPost: onb.acceptsPost,
});
await listen(server, 0, "127.0.0.1");
t.teardown(() => closeServer(server));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

let cookie = "";
const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${origin}${path}`, { redirect: "manual", headers: { cookie, ...headers } });
const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${origin}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin, cookie, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";

const profile = {
  slug: "ada",
  name: EVIL,
  headline: "Engines",
  bio: "Bio",
  refundPolicy: "CUTOFF",
  refundCutoffHours: "48",
};
let csrf = "";

t.test("the profile form starts a session: an HttpOnly, SameSite=Lax cookie and a form token", async (t) => {
  const res = await get("/become-a-builder");
  t.equal(res.status, 200);
  const setCookie = res.headers.get("set-cookie") ?? "";
  t.match(
    setCookie,
    new RegExp(`^${SESSION_COOKIE}=[\\w-]{43}; Max-Age=7200; Path=/become-a-builder; HttpOnly; SameSite=Lax$`),
  );
  cookie = setCookie.split(";")[0]!;
  const page = await res.text();
  csrf = csrfOf(page);
  t.match(csrf, /^[\w-]{43}$/, "the form carries the token");
  t.match(page, /<form class="card form" method="post" action="\/become-a-builder"/);
  const again = await get("/become-a-builder");
  t.equal(again.headers.get("set-cookie"), null, "the same session on the next visit");
  t.equal(csrfOf(await again.text()), csrf);
});

t.test("a form is refused without the session, from another origin, or without its token", async (t) => {
  const before = client.calls.length;
  const cases: [string, Record<string, string>, Record<string, string>, RegExp][] = [
    ["no session cookie", { ...profile, csrf }, { cookie: "" }, /Your session has ended/],
    ["an unknown session", { ...profile, csrf }, { cookie: `${SESSION_COOKIE}=forged` }, /Your session has ended/],
    ["another site's origin", { ...profile, csrf }, { origin: "https://evil.example" }, /came from another site/],
    ["a null origin (sandboxed frame)", { ...profile, csrf }, { origin: "null" }, /came from another site/],
    ["no token", { ...profile }, {}, /This form has expired/],
    [
      "a wrong token",
      { ...profile, csrf: `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}` },
      {},
      /This form has expired/,
    ],
  ];
  for (const [what, fields, headers, text] of cases) {
    const res = await post("/become-a-builder", fields, headers);
    t.equal(res.status, 403, what);
    t.match(await res.text(), text, what);
  }
  t.equal(client.calls.length, before, "nothing reached the service");

  const noOrigin = await fetch(`${origin}/become-a-builder`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ ...profile, csrf }).toString(),
  });
  t.equal(noOrigin.status, 403, "neither Origin nor Sec-Fetch-Site: refused");
  const json = await post("/become-a-builder", {}, { "content-type": "application/json" });
  t.equal(json.status, 415, "only form bodies");
  const big = await post("/become-a-builder", { bio: "x".repeat(20_000), csrf });
  t.equal(big.status, 413, "a form larger than 16 KiB");
  const wrongPath = await post("/become-a-builder/done", { csrf });
  t.equal(wrongPath.status, 405);
});

t.test("the service's answer to a bad field is shown beside that field, the values kept and escaped", async (t) => {
  client.createAnswer = {
    ok: false,
    error: {
      status: 409,
      code: "builder_slug_taken",
      message: 'slug: a builder with the slug "ada" already exists',
      field: "slug",
    },
  };
  const res = await post("/become-a-builder", { ...profile, csrf });
  t.equal(res.status, 409);
  const page = await res.text();
  t.match(page, /<p class="field-error" id="slug-error">A builder with the slug &quot;ada&quot; already exists.<\/p>/);
  t.match(page, /id="slug" name="slug" value="ada"[^>]* aria-invalid="true"/);
  t.match(page, /value="Ada &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &quot;co&quot;"/);
  t.notMatch(page, /<script>alert/);

  const local = await post("/become-a-builder", { ...profile, name: " ", refundCutoffHours: "soon", csrf });
  t.equal(local.status, 400);
  const text = await local.text();
  t.match(text, /id="name-error">Enter your name./);
  t.match(text, /id="refundCutoffHours-error">Enter a whole number of hours/);
  t.equal(client.names().filter((n) => n === "createBuilder").length, 1, "checked before asking the service");

  client.down = true;
  const down = await post("/become-a-builder", { ...profile, csrf });
  client.down = false;
  t.equal(down.status, 503);
  t.match(await down.text(), /isn&#39;t answering. Your answers are kept/);
  client.createAnswer = undefined;
});

t.test("steps after the profile need the visitor's builder", async (t) => {
  for (const path of ["/become-a-builder/calendly", "/become-a-builder/session", "/become-a-builder/done"]) {
    const res = await get(path);
    t.equal(res.status, 303, path);
    t.equal(res.headers.get("location"), "/become-a-builder?expired=1", path);
  }
  const notice = await (await get("/become-a-builder?expired=1")).text();
  t.match(notice, /Your onboarding session has ended/);
});

t.test("the profile creates the builder and leads to Calendly", async (t) => {
  const res = await post("/become-a-builder", { ...profile, csrf });
  t.equal(res.status, 303);
  t.equal(res.headers.get("location"), "/become-a-builder/calendly");
  t.same(client.calls.at(-1), [
    "createBuilder",
    {
      slug: "ada",
      name: EVIL,
      headline: "Engines",
      bio: "Bio",
      refundPolicy: "CUTOFF",
      refundCutoffHours: 48,
    },
  ]);
  const page = await (await get("/become-a-builder/calendly")).text();
  t.match(page, /Connect your Calendly/);
  t.match(page, /<b>Ada &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &quot;co&quot;<\/b>/);
  t.notMatch(page, /<script>alert/);
  t.notMatch(page, /baw_sk_/, "no partner key on the page");
});

t.test("connecting goes to the consent page the service names, with this page as the return URL", async (t) => {
  const res = await post("/become-a-builder/calendly", { csrf });
  t.equal(res.status, 303);
  t.equal(res.headers.get("location"), "https://auth.calendly.test/oauth/authorize?client_id=x&state=s");
  t.same(client.calls.at(-1), ["connectCalendly", client.builder.id, `${origin}/become-a-builder/calendly`]);

  client.connectAnswer = {
    ok: false,
    error: { status: 400, code: "validation_error", message: "returnUrl: is not on this key's return-URL allowlist" },
  };
  const refused = await post("/become-a-builder/calendly", { csrf });
  t.equal(refused.status, 502, "the service's set-up is at fault, not the visitor");
  t.match(await refused.text(), /Calendly couldn&#39;t be connected[\s\S]*returnUrl: is not on this key/);
});

t.test("back from the consent page: denied, failed, or connected", async (t) => {
  const denied = await get("/become-a-builder/calendly?calendly=error&reason=consent_denied");
  t.equal(denied.status, 200);
  const page = await denied.text();
  t.match(page, /You didn&#39;t allow access/);
  t.match(page, /<button class="button" type="submit">Try again<\/button>/, "a way forward");
  t.match(page, /href="\/become-a-builder">Start over/);

  const odd = await (
    await get(`/become-a-builder/calendly?calendly=error&reason=${encodeURIComponent("<b>x</b>")}`)
  ).text();
  t.match(odd, /reason: &lt;b&gt;x&lt;\/b&gt;/, "an unknown reason is shown, escaped");

  const claimed = await get("/become-a-builder/calendly?calendly=connected");
  t.equal(claimed.status, 200, "the query alone does not count: the service is asked");
  t.match(await claimed.text(), /Calendly couldn&#39;t be connected/);

  // The operator's single Calendly account (token mode) is not the builder's own.
  client.builder = builderWith({ calendly: { mode: "token", connected: true, eventTypes: [EVENT_TYPE] } });
  const operators = await get("/become-a-builder/calendly");
  t.match(await operators.text(), /<button class="button" type="submit">Connect Calendly<\/button>/);
  t.equal((await get("/become-a-builder/session")).headers.get("location"), "/become-a-builder/calendly");

  client.builder = builderWith({
    calendly: {
      mode: "oauth",
      connected: true,
      user: { uri: "https://api.calendly.test/users/ada", name: "Ada L." },
      eventTypes: [EVENT_TYPE, { ...EVENT_TYPE, uri: "x", active: false }],
    },
  });
  const ok = await get("/become-a-builder/calendly?calendly=connected");
  t.equal(ok.status, 303);
  t.equal(ok.headers.get("location"), "/become-a-builder/session");
  t.match(await (await get("/become-a-builder/calendly")).text(), /Connected to Calendly as <strong>Ada L.<\/strong>/);
});

t.test("every reason the service's callback names has its own words", async (t) => {
  const reasons = [
    "consent_denied",
    "state_expired",
    "state_used",
    "code_rejected",
    "scopes_missing",
    "calendly_rate_limited",
    "calendly_unavailable",
  ];
  const titles = new Set<string>();
  for (const reason of reasons) {
    const title = calendlyProblem(reason).title;
    t.not(title, calendlyProblem("something_else").title, reason);
    titles.add(title);
  }
  t.equal(titles.size, reasons.length - 1, "one title each (rate limited and unavailable share theirs)");
});

t.test("a session type is one of the builder's event types, priced", async (t) => {
  const page = await (await get("/become-a-builder/session")).text();
  t.match(page, /value="https:\/\/api.calendly.test\/event_types\/et-1" checked/, "the only active event type, chosen");
  t.match(page, /<strong>Pairing &lt;hour&gt;<\/strong>/);
  t.notMatch(page, /value="x"/, "inactive event types are not offered");

  const bad = await post("/become-a-builder/session", {
    eventType: "https://elsewhere",
    price: "12,50",
    currency: "usd",
    csrf,
  });
  t.equal(bad.status, 400);
  const text = await bad.text();
  t.match(text, /id="eventType-error">Choose one of your Calendly event types./);
  t.match(text, /id="price-error">Enter the price as a number/);

  client.sessionTypeAnswer = {
    ok: false,
    error: {
      status: 400,
      code: "validation_error",
      message: "body.price.amount: must be at most 99999999",
      field: "price.amount",
    },
  };
  const refused = await post("/become-a-builder/session", {
    eventType: EVENT_TYPE.uri,
    price: "150",
    currency: "eur",
    csrf,
  });
  t.equal(refused.status, 400);
  t.match(await refused.text(), /id="price-error">Must be at most 99999999.</);
  client.sessionTypeAnswer = undefined;

  const res = await post("/become-a-builder/session", {
    eventType: EVENT_TYPE.uri,
    price: "149.5",
    currency: "eur",
    csrf,
  });
  t.equal(res.status, 303);
  t.equal(res.headers.get("location"), "/become-a-builder/done");
  t.same(client.calls.at(-1), [
    "addSessionType",
    client.builder.id,
    { calendlyEventTypeUri: EVENT_TYPE.uri, price: { amount: 14950, currency: "eur" } },
  ]);
});

t.test("event types Calendly could not give are not mistaken for none", async (t) => {
  const saved = client.builder;
  t.teardown(() => {
    client.builder = saved;
  });
  client.builder = builderWith({
    calendly: { mode: "oauth", connected: true, eventTypes: null, eventTypesError: "calendly_rate_limited" },
  });
  const page = await (await get("/become-a-builder/session")).text();
  t.match(page, /Your event types couldn't be read/);
  t.match(page, /\(calendly_rate_limited\)/);
  t.notMatch(page, /No event types in your Calendly/);
  client.builder = builderWith({ calendly: { mode: "oauth", connected: true, eventTypes: [] } });
  t.match(await (await get("/become-a-builder/session")).text(), /No event types in your Calendly/);
});

t.test("the last step shows the builder as the marketplace does", async (t) => {
  client.builder = builderWith({
    state: "bookable",
    calendly: { mode: "oauth", connected: true, eventTypes: [EVENT_TYPE] },
    sessionTypes: [
      {
        id: "st-1",
        name: "Pairing <hour>",
        durationMinutes: 60,
        price: { amount: 14950, currency: "eur" },
        active: true,
      },
    ],
  });
  const page = await (await get("/become-a-builder/done")).text();
  t.match(page, /You&#39;re taking bookings/);
  t.match(page, /Pairing &lt;hour&gt; · 1 hour/);
  t.match(page, /€149.50/);
  t.match(page, /href="\/builders\/ada\/book"/);
  const start = await (await get("/become-a-builder")).text();
  t.match(start, /Continue where you left off/, "the first page offers to continue");
  t.match(start, /href="\/become-a-builder\/done"/);
});

t.test("with payout accounts, a payouts step before the end", async (t) => {
  client.builder = builderWith({
    calendly: { mode: "oauth", connected: true, eventTypes: [EVENT_TYPE] },
    sessionTypes: [
      { id: "st-1", name: "P", durationMinutes: 60, price: { amount: 100, currency: "usd" }, active: true },
    ],
    payouts: { mode: "connect", status: "not_started", reason: null, accountId: null },
  });
  t.equal(nextStep(client.builder), "/become-a-builder/payouts");
  const page = await (await get("/become-a-builder/payouts")).text();
  t.match(page, /data-payout-status="not_started"/);
  t.match(page, /Set up payouts with Stripe/);
  const res = await post("/become-a-builder/payouts", { csrf });
  t.equal(res.status, 303);
  t.equal(res.headers.get("location"), "https://connect.stripe.test/setup/e/acct_1");
  t.same(client.calls.at(-1), ["connectPayouts", client.builder.id, `${origin}/become-a-builder/payouts?returned=1`]);

  client.builder = { ...client.builder, payouts: { mode: "connect", status: "onboarding" } };
  const back = await (await get("/become-a-builder/payouts?returned=1")).text();
  t.match(back, /onboarding isn&#39;t finished/);
  client.builder = { ...client.builder, payouts: { mode: "connect", status: "enabled" } };
  const done = await get("/become-a-builder/payouts?returned=1");
  t.equal(done.headers.get("location"), "/become-a-builder/done");

  balance = [{ amount: 13_500, currency: "usd" }];
  const withBalance = await (await get("/become-a-builder/done")).text();
  t.match(withBalance, /Sandbox Stripe balance<\/dt><dd data-balance>\$135<\/dd>/, "the payout account's balance");
  balance = [];
  t.match(await (await get("/become-a-builder/done")).text(), /data-balance>Nothing yet</);
  balance = undefined;

  client.builder = { ...client.builder, payouts: { mode: "single-merchant", status: "not_started" } };
  t.equal(nextStep(client.builder), "/become-a-builder/done", "no payouts step when the platform keeps the money");
  const skipped = await get("/become-a-builder/payouts");
  t.equal(skipped.headers.get("location"), "/become-a-builder/done");
});

t.test("while the service does not answer, a page that says so", async (t) => {
  client.down = true;
  t.teardown(() => {
    client.down = false;
  });
  const res = await get("/become-a-builder/calendly");
  t.equal(res.status, 503);
  t.match(await res.text(), /The booking service isn&#39;t answering/);
  const form = await get("/become-a-builder");
  t.equal(form.status, 200, "the profile form is still shown");
});

t.test("prices are read as major units", async (t) => {
  t.equal(parsePrice("150"), 15000);
  t.equal(parsePrice(" 149.5 "), 14950);
  t.equal(parsePrice("0.99"), 99);
  t.equal(parsePrice("0"), 0);
  for (const bad of ["", "1,50", "-1", "1.999", "1e3", "$10", "1234567"]) t.equal(parsePrice(bad), undefined, bad);
});
