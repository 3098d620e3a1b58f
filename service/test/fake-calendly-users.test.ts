// The fake Calendly as several users: each with event types, scheduling pages and an
// organization of their own; an OAuth token acts as the user who consented (Calendly's 403 for
// other users' data and for a missing scope), each user has their own rate limit, and the fake
// records whose token every API call carried. The personal access token keeps working unchanged.
import { type Sandbox, sandboxOptionsFromEnv, sandboxSecrets, sandboxUsers, startSandbox } from "@baw/sandbox";
import t, { type Test } from "tap";
import {
  ADA_EVENT_TYPE,
  api,
  LIAM_EVENT_TYPE,
  LIAM_UUID,
  PAT,
  startOAuthFake,
  tokensFor,
} from "./helpers/fake-calendly-oauth.js";

const ADA = sandboxUsers[0]!.uuid!;
const GRACE = sandboxUsers[1]!.uuid!;

async function fake(t: Test, extra: Parameters<typeof startOAuthFake>[0] = {}) {
  const f = await startOAuthFake(extra);
  t.teardown(() => f.close());
  return f;
}

t.test("every user has a profile, event types and pages of their own", async (t) => {
  const f = await fake(t);
  t.same(
    f.users.map((u) => u.name),
    ["Liam", "Ada Sandbox", "Grace Sandbox"],
  );
  const ada = f.user("ada-sandbox")!;
  t.equal(f.user(ada.uri)?.uuid, ADA, "found by URI, UUID or slug");
  t.equal(f.user(ADA)?.slug, "ada-sandbox");
  t.equal(ada.schedulingUrl, `${f.url}/ada-sandbox`);
  t.same(
    ada.eventTypes.map((et) => [et.slug, et.schedulingUrl]),
    [
      ["pairing-session", `${f.url}/ada-sandbox/pairing-session`],
      ["code-review", `${f.url}/ada-sandbox/code-review`],
    ],
  );
  const page = await fetch(ada.eventTypes[0]!.schedulingUrl);
  t.equal(page.status, 200);
  t.match(await page.text(), /Pairing session/);
  const profile = await fetch(ada.schedulingUrl);
  t.match(await profile.text(), /Code review/);
  t.not(ada.organizationUri, f.organizationUri);
  t.not(f.user(GRACE)!.organizationUri, ada.organizationUri, "Ada and Grace: two organizations");
});

t.test("addUser: a user with event types, checked before anything is created", async (t) => {
  const f = await fake(t);
  const kim = f.addUser({
    slug: "kim",
    name: "Kim Sandbox",
    email: "kim@example.test",
    eventTypes: [{ slug: "intro", name: "Intro", durationMinutes: 20 }],
  });
  t.match(kim.uri, new RegExp(`^${f.apiBase}/users/[0-9a-f-]{36}$`));
  t.equal((await fetch(kim.eventTypes[0]!.schedulingUrl)).status, 200);
  const shared = f.addUser({
    slug: "lou",
    name: "Lou",
    email: "lou@example.test",
    organization: "shared",
    eventTypes: [],
  });
  t.equal(shared.organizationUri, f.organizationUri, "organization: shared joins the token owner's");

  const before = f.users.length;
  const bad: Array<[string, Parameters<typeof f.addUser>[0], RegExp]> = [
    ["taken slug", { slug: "kim", name: "X", email: "x@example.test", eventTypes: [] }, /taken/],
    ["reserved slug", { slug: "oauth", name: "X", email: "x@example.test", eventTypes: [] }, /reserved/],
    ["bad slug", { slug: "a b", name: "X", email: "x@example.test", eventTypes: [] }, /slug/],
    ["no name", { slug: "x1", name: " ", email: "x@example.test", eventTypes: [] }, /name/],
    ["bad email", { slug: "x2", name: "X", email: "nope", eventTypes: [] }, /email/],
    ["bad uuid", { uuid: "123", slug: "x3", name: "X", email: "x@example.test", eventTypes: [] }, /uuid/],
    ["taken uuid", { uuid: ADA, slug: "x4", name: "X", email: "x@example.test", eventTypes: [] }, /exists/],
    [
      "zero duration",
      { slug: "x5", name: "X", email: "x@example.test", eventTypes: [{ slug: "e", name: "E", durationMinutes: 0 }] },
      /durationMinutes/,
    ],
    [
      "event slug twice",
      {
        slug: "x6",
        name: "X",
        email: "x@example.test",
        eventTypes: [
          { slug: "e", name: "E", durationMinutes: 10 },
          { slug: "e", name: "F", durationMinutes: 10 },
        ],
      },
      /twice/,
    ],
    [
      "taken event type uuid",
      {
        slug: "x7",
        name: "X",
        email: "x@example.test",
        eventTypes: [{ uuid: ADA_EVENT_TYPE, slug: "e", name: "E", durationMinutes: 10 }],
      },
      /exists/,
    ],
    [
      "bad rate limit",
      { slug: "x8", name: "X", email: "x@example.test", eventTypes: [], rateLimitPerMinute: 0 },
      /rate/,
    ],
  ];
  for (const [name, config, message] of bad) t.throws(() => f.addUser(config), message, name);
  t.equal(f.users.length, before, "nothing half-created");
});

t.test("an OAuth token acts as its owner: /users/me, their event types, their organization", async (t) => {
  const f = await fake(t);
  const ada = f.user(ADA)!;
  const { access_token: token } = await tokensFor(f, ADA);

  const me = await api(f, token, "/users/me");
  t.equal(me.status, 200);
  t.match(me.body.resource, {
    uri: ada.uri,
    name: "Ada Sandbox",
    slug: "ada-sandbox",
    email: "ada@sandbox.example",
    scheduling_url: ada.schedulingUrl,
    current_organization: ada.organizationUri,
    resource_type: "User",
  });
  t.ok(me.headers.get("x-ratelimit-limit"));

  const types = await api(f, token, `/event_types?user=${encodeURIComponent(ada.uri)}`);
  t.equal(types.status, 200);
  t.same(
    types.body.collection.map((et: { slug: string }) => et.slug),
    ["pairing-session", "code-review"],
  );
  t.equal(types.body.collection[0].profile.owner, ada.uri);
  const byOrg = await api(f, token, `/event_types?organization=${encodeURIComponent(ada.organizationUri)}`);
  t.equal(byOrg.body.collection.length, 2, "her organization holds only her event types");
  const one = await api(f, token, `/event_types/${ADA_EVENT_TYPE}`);
  t.equal(one.body.resource.scheduling_url, ada.eventTypes[0]!.schedulingUrl);

  const org = await api(f, token, `/organizations/${ada.organizationUri.split("/").pop()}`);
  t.equal(org.status, 200);
  t.equal(org.body.resource.uri, ada.organizationUri);
  const memberships = await api(f, token, `/organization_memberships?user=${encodeURIComponent(ada.uri)}`);
  t.equal(memberships.status, 200);
  t.match(memberships.body.collection, [{ role: "owner", organization: ada.organizationUri, user: { uri: ada.uri } }]);
  const membership = await api(
    f,
    token,
    `/organization_memberships/${memberships.body.collection[0].uri.split("/").pop()}`,
  );
  t.equal(membership.body.resource.user.email, "ada@sandbox.example");
});

t.test("another user's data: 403 Permission Denied, in Calendly's shape", async (t) => {
  const f = await fake(t);
  const liam = f.user(LIAM_UUID)!;
  const grace = f.user(GRACE)!;
  const { access_token: token } = await tokensFor(f, ADA);
  const denied = {
    title: "Permission Denied",
    message: "You do not have permission to access this resource.",
  };
  const paths = [
    `/users/${LIAM_UUID}`,
    `/event_types?user=${encodeURIComponent(liam.uri)}`,
    `/event_types?organization=${encodeURIComponent(f.organizationUri)}`,
    `/event_types/${LIAM_EVENT_TYPE}`,
    `/scheduled_events?user=${encodeURIComponent(grace.uri)}`,
    `/organizations/${grace.organizationUri.split("/").pop()}`,
    `/organization_memberships?user=${encodeURIComponent(liam.uri)}`,
  ];
  for (const path of paths) {
    const res = await api(f, token, path);
    t.equal(res.status, 403, path);
    t.same(res.body, denied, path);
  }
  const event = await f.schedule({ eventTypeUuid: LIAM_EVENT_TYPE, name: "Ines", email: "ines@example.test" });
  const eventUuid = event.eventUri.split("/").pop();
  t.equal((await api(f, token, `/scheduled_events/${eventUuid}`)).status, 403);
  t.equal((await api(f, token, `/scheduled_events/${eventUuid}/invitees`)).status, 403);
  const cancel = await api(f, token, `/scheduled_events/${eventUuid}/cancellation`, { method: "POST", body: "{}" });
  t.equal(cancel.status, 403);
  t.equal(f.event(event.eventUri)?.status, "active", "Liam's event stays booked");
  t.equal((await api(f, token, `/users/${"0".repeat(8)}-0000-4000-8000-000000000000`)).status, 404);
});

t.test("scheduled events, invitees and cancellation with the owner's token", async (t) => {
  const f = await fake(t);
  const ada = f.user(ADA)!;
  const { access_token: token } = await tokensFor(f, ADA);
  const booked = await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Ines Visitor", email: "ines@example.test" });
  await f.schedule({ eventTypeUuid: LIAM_EVENT_TYPE, name: "Other", email: "other@example.test" });
  const uuid = booked.eventUri.split("/").pop();

  const list = await api(f, token, `/scheduled_events?user=${encodeURIComponent(ada.uri)}`);
  t.equal(list.status, 200);
  t.same(
    list.body.collection.map((e: { uri: string }) => e.uri),
    [booked.eventUri],
  );
  const byOrg = await api(f, token, `/scheduled_events?organization=${encodeURIComponent(ada.organizationUri)}`);
  t.equal(byOrg.body.collection.length, 1, "Liam's event is not in her organization");
  const event = await api(f, token, `/scheduled_events/${uuid}`);
  t.equal(event.body.resource.event_memberships[0].user, ada.uri);
  const invitees = await api(f, token, `/scheduled_events/${uuid}/invitees`);
  t.equal(invitees.body.collection[0].email, "ines@example.test");
  const invitee = await api(f, token, `/scheduled_events/${uuid}/invitees/${booked.inviteeUri.split("/").pop()}`);
  t.equal(invitee.body.resource.uri, booked.inviteeUri);

  const cancel = await api(f, token, `/scheduled_events/${uuid}/cancellation`, {
    method: "POST",
    body: JSON.stringify({ reason: "Payment not completed" }),
  });
  t.equal(cancel.status, 201);
  t.match(cancel.body.resource, { canceled_by: "Ada Sandbox", canceler_type: "host", reason: "Payment not completed" });
  t.equal(f.event(booked.eventUri)?.status, "canceled");
  t.equal(f.cancellations.at(-1)?.source, "api");
});

t.test("a token without the scope gets 403, naming the scope", async (t) => {
  const f = await fake(t);
  const ada = f.user(ADA)!;
  const { access_token: token } = await tokensFor(f, ADA, { scope: "users:read scheduled_events:read" });
  t.equal((await api(f, token, "/users/me")).status, 200);
  const types = await api(f, token, `/event_types?user=${encodeURIComponent(ada.uri)}`);
  t.equal(types.status, 403);
  t.same(types.body, {
    title: "Permission Denied",
    message: "You do not have permission to access this resource.",
    details: [{ parameter: "scope", message: "requires the event_types:read scope" }],
  });
  const booked = await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Ines", email: "ines@example.test" });
  const uuid = booked.eventUri.split("/").pop();
  t.equal((await api(f, token, `/scheduled_events/${uuid}`)).status, 200, "read is granted");
  const cancel = await api(f, token, `/scheduled_events/${uuid}/cancellation`, { method: "POST", body: "{}" });
  t.equal(cancel.status, 403);
  t.match(cancel.body.details, [{ parameter: "scope", message: /scheduled_events:write/ }]);
  t.equal(f.event(booked.eventUri)?.status, "active");
  const hooks = await api(f, token, "/webhook_subscriptions", { method: "POST", body: "{}" });
  t.match(hooks.body.details, [{ message: /webhooks:write/ }], "scope is checked before the body");
  const me = await api(f, token, "/users/me");
  t.equal(me.status, 200);
  const write = await tokensFor(f, ADA, { scope: "scheduled_events:write" });
  t.equal(
    (await api(f, write.access_token, `/scheduled_events/${uuid}`)).status,
    200,
    "scheduled_events:write implies scheduled_events:read",
  );
});

t.test("the personal access token keeps working as before: Liam, every scope", async (t) => {
  const f = await fake(t);
  const me = await api(f, PAT, "/users/me");
  t.equal(me.body.resource.uri, f.userUri);
  t.equal(me.body.resource.current_organization, f.organizationUri);
  const types = await api(f, PAT, `/event_types?organization=${encodeURIComponent(f.organizationUri)}`);
  t.same(
    types.body.collection.map((et: { slug: string }) => et.slug),
    ["build-session"],
  );
  t.equal((await api(f, PAT, `/event_types/${ADA_EVENT_TYPE}`)).status, 403, "not Ada's");
  t.equal((await api(f, "nope", "/users/me")).status, 401);
});

t.test("rate limits are per user", async (t) => {
  const f = await fake(t, { rateLimitPerMinute: 3 });
  f.addUser({
    uuid: "0f0f0f0f-0000-4000-8000-000000000001",
    slug: "free-plan",
    name: "Free Plan",
    email: "free@example.test",
    eventTypes: [],
    rateLimitPerMinute: 2,
  });
  const free = await tokensFor(f, "free-plan");
  const ada = await tokensFor(f, ADA);
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await api(f, free.access_token, "/users/me")).status);
  t.same(statuses, [200, 200, 429], "Free Plan's own limit of 2");
  const limited = await api(f, free.access_token, "/users/me");
  t.same(limited.body, { title: "Too Many Requests", message: "You have exceeded the rate limit. Try again later." });
  t.equal(limited.headers.get("x-ratelimit-limit"), "2");
  t.equal(limited.headers.get("x-ratelimit-remaining"), "0");
  const adaRes = await api(f, ada.access_token, "/users/me");
  t.equal(adaRes.status, 200, "Ada has her own budget");
  t.equal(adaRes.headers.get("x-ratelimit-limit"), "3");
  t.equal(adaRes.headers.get("x-ratelimit-remaining"), "2");
  t.equal((await api(f, PAT, "/users/me")).headers.get("x-ratelimit-remaining"), "2", "so has Liam");
});

t.test("callsBy: the API calls a user's token made, verification and cancellation included", async (t) => {
  const f = await fake(t);
  const ada = f.user(ADA)!;
  const { access_token: token } = await tokensFor(f, ADA);
  const booked = await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Ines", email: "ines@example.test" });
  const uuid = booked.eventUri.split("/").pop();
  await api(f, token, `/scheduled_events/${uuid}`);
  await api(f, token, `/scheduled_events/${uuid}/cancellation`, { method: "POST", body: "{}" });
  await api(f, PAT, "/users/me");
  await api(f, "bogus", "/users/me");
  const calls = f.callsBy(ada.uri);
  t.same(
    calls.map((c) => [c.method, c.path, c.status, c.auth]),
    [
      ["GET", `/api/scheduled_events/${uuid}`, 200, "oauth"],
      ["POST", `/api/scheduled_events/${uuid}/cancellation`, 201, "oauth"],
    ],
  );
  t.same(
    f.callsBy(f.userUri).map((c) => c.auth),
    ["personal_access_token"],
  );
  t.equal(f.requests.filter((r) => r.path === "/api/users/me" && r.status === 401)[0]?.user, undefined);
});

t.test("the sandbox routes: users, revoking tokens, expiring them, the calls a user made", async (t) => {
  const f = await fake(t);
  const ada = f.user(ADA)!;
  const tokens = await tokensFor(f, ADA);
  const post = (path: string, body: unknown) =>
    fetch(`${f.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  type Listing = { collection: Array<Record<string, unknown>> };
  const users = (await (await fetch(`${f.url}/_sandbox/users`)).json()) as Listing;
  t.match(users.collection, [
    { name: "Liam", oauthConnected: false },
    { name: "Ada Sandbox", oauthConnected: true, uri: ada.uri },
    { name: "Grace Sandbox", oauthConnected: false },
  ]);
  await api(f, tokens.access_token, "/users/me");
  const calls = (await (await fetch(`${f.url}/_sandbox/calls?user=${encodeURIComponent(ada.uri)}`)).json()) as Listing;
  t.match(calls.collection, [{ path: "/api/users/me", auth: "oauth", user: ada.uri }]);
  t.equal((await fetch(`${f.url}/_sandbox/calls`)).status, 400);

  const expired = await post("/_sandbox/oauth/expire-access-tokens", { user: ada.uri });
  t.same(await expired.json(), { expired: 1 });
  t.equal((await api(f, tokens.access_token, "/users/me")).status, 401);

  const revoked = await post("/_sandbox/oauth/revoke-tokens", { user: ada.uri });
  t.same(await revoked.json(), { revoked: 1 });
  const unknown = await post("/_sandbox/oauth/revoke-tokens", { user: "https://x.example/users/nobody" });
  t.equal(unknown.status, 404);
  t.equal((await post("/_sandbox/oauth/revoke-tokens", {})).status, 400);
  const after = (await (await fetch(`${f.url}/_sandbox/users`)).json()) as Listing;
  t.equal(after.collection[1]?.oauthConnected, false);
});

t.test(
  "startSandbox: Ada and Grace by default, the OAuth app in serviceEnv, deliverTo registers the callback",
  async (t) => {
    const sandbox: Sandbox = await startSandbox({
      calendly: {
        eventTypes: [
          {
            userUuid: LIAM_UUID,
            userSlug: "liam",
            userName: "Liam",
            userEmail: "liam@example.test",
            eventTypeUuid: LIAM_EVENT_TYPE,
            slug: "build-session",
            name: "Build session",
            durationMinutes: 60,
          },
        ],
        oauthRedirectUris: ["https://app.example/cb"],
      },
    });
    t.teardown(() => sandbox.close());
    const calendly = sandbox.calendly!;
    t.same(
      calendly.users.map((u) => u.name),
      ["Liam", "Ada Sandbox", "Grace Sandbox"],
    );
    t.same(sandbox.serviceEnv, {
      PROVIDER_MODE: "sandbox",
      CALENDLY_API_BASE: calendly.apiBase,
      CALENDLY_ORIGIN: calendly.url,
      CALENDLY_AUTH_BASE: calendly.url,
      CALENDLY_OAUTH_CLIENT_ID: sandboxSecrets.calendlyOAuthClientId,
      CALENDLY_OAUTH_CLIENT_SECRET: sandboxSecrets.calendlyOAuthClientSecret,
    });
    t.match(calendly.oauthApp, {
      clientId: sandboxSecrets.calendlyOAuthClientId,
      signingKey: sandboxSecrets.calendlyWebhookSigningKey,
      redirectUris: ["https://app.example/cb"],
    });
    sandbox.deliverTo("http://127.0.0.1:3000/");
    sandbox.deliverTo("http://127.0.0.1:3000");
    t.same(calendly.oauthApp.redirectUris, ["https://app.example/cb", "http://127.0.0.1:3000/oauth/calendly/callback"]);
    calendly.setOAuthRedirectUris(["http://localhost:4000/cb"]);
    t.same(calendly.oauthApp.redirectUris, ["http://localhost:4000/cb"]);
    t.throws(() => calendly.setOAuthRedirectUris(["ftp://x"]), /http/);
    t.throws(() => calendly.setOAuthRedirectUris(["http://x/#frag"]), /fragment/);

    const none = await startSandbox({ calendly: { eventTypes: [], users: [] } }).catch((e: Error) => e);
    t.match(none, /at least one event type/, "the token owner is still required");
  },
);

t.test("SANDBOX_CALENDLY_REDIRECT_URIS: more redirect URIs for npm run sandbox", async (t) => {
  const ok = sandboxOptionsFromEnv(
    { SANDBOX_CALENDLY_REDIRECT_URIS: " http://localhost:3000/oauth/calendly/callback, https://b.example/cb " },
    [],
  );
  t.same(ok.problems, []);
  t.match(ok.options.calendly, {
    oauthRedirectUris: ["http://localhost:3000/oauth/calendly/callback", "https://b.example/cb"],
  });
  const bad = sandboxOptionsFromEnv({ SANDBOX_CALENDLY_REDIRECT_URIS: "ftp://x,http://y/#z,nope" }, []);
  t.equal(bad.problems.length, 3);
  t.match(bad.problems[0], /SANDBOX_CALENDLY_REDIRECT_URIS: ftp:\/\/x/);
});
