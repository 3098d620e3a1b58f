// Webhook subscriptions through the fake Calendly's API, per user: a user-scoped subscription
// created with a user's OAuth token receives that user's events only, signed with the OAuth app's
// one key; a disabled one receives nothing and says so; a 410 answer deletes it; Calendly's
// errors for bad input, duplicates and other users. The set-up's own subscription (setWebhookUrl)
// keeps receiving its organization's events.
import { createServer, type Server } from "node:http";
import { sandboxUsers } from "@baw/sandbox";
import t, { type Test } from "tap";
import { verifySignature } from "../src/providers/webhook-signature.js";
import {
  ADA_EVENT_TYPE,
  APP_KEY,
  api,
  LIAM_EVENT_TYPE,
  PAT,
  startOAuthFake,
  tokensFor,
} from "./helpers/fake-calendly-oauth.js";

const ADA = sandboxUsers[0]!.uuid!;
const GRACE = sandboxUsers[1]!.uuid!;
const GRACE_EVENT_TYPE = sandboxUsers[1]!.eventTypes[0]!.uuid!;

interface Received {
  path: string;
  signature: string | undefined;
  raw: string;
  body: { event: string; created_by: string; payload: { uri: string; scheduled_event: { uri: string } } };
}

/** One endpoint for every callback path; answers with queued statuses (then 200). */
async function receiver(t: Test): Promise<{ base: string; got: Received[]; answers: number[] }> {
  const got: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const header = req.headers["calendly-webhook-signature"];
      got.push({
        path: req.url ?? "",
        signature: Array.isArray(header) ? header[0] : header,
        raw,
        body: JSON.parse(raw),
      });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { base: `http://127.0.0.1:${port}`, got, answers };
}

async function world(t: Test, extra: Parameters<typeof startOAuthFake>[0] = {}) {
  const hook = await receiver(t);
  const f = await startOAuthFake({ webhookUrl: `${hook.base}/global`, ...extra });
  t.teardown(() => f.close());
  const ada = f.user(ADA)!;
  const grace = f.user(GRACE)!;
  const adaToken = (await tokensFor(f, ADA)).access_token;
  const graceToken = (await tokensFor(f, GRACE)).access_token;
  const subscribe = (token: string, user: typeof ada, path: string, extra: Record<string, unknown> = {}) =>
    api(f, token, "/webhook_subscriptions", {
      method: "POST",
      body: JSON.stringify({
        url: `${hook.base}${path}`,
        events: ["invitee.created", "invitee.canceled"],
        organization: user.organizationUri,
        user: user.uri,
        scope: "user",
        ...extra,
      }),
    });
  return { hook, f, ada, grace, adaToken, graceToken, subscribe };
}

t.test("a user-scoped subscription gets that user's events, signed with the app's key", async (t) => {
  const { hook, f, ada, grace, adaToken, graceToken, subscribe } = await world(t);
  const created = await subscribe(adaToken, ada, "/ada");
  t.equal(created.status, 201);
  t.match(created.body.resource, {
    uri: new RegExp(`^${f.apiBase}/webhook_subscriptions/[0-9a-f-]{36}$`),
    callback_url: `${hook.base}/ada`,
    created_at: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
    updated_at: /Z$/,
    retry_started_at: null,
    state: "active",
    events: ["invitee.created", "invitee.canceled"],
    scope: "user",
    organization: ada.organizationUri,
    user: ada.uri,
    creator: ada.uri,
  });
  t.equal((await subscribe(graceToken, grace, "/grace")).status, 201);

  const adaBooking = await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Ines", email: "ines@example.test" });
  await f.schedule({ eventTypeUuid: GRACE_EVENT_TYPE, name: "Otto", email: "otto@example.test" });
  const liamBooking = await f.schedule({ eventTypeUuid: LIAM_EVENT_TYPE, name: "Pia", email: "pia@example.test" });
  await f.cancel(adaBooking.eventUri);
  await f.flushWebhooks();

  const at = (path: string) => hook.got.filter((g) => g.path === path);
  t.same(
    at("/ada").map((g) => [g.body.event, g.body.payload.scheduled_event.uri]),
    [
      ["invitee.created", adaBooking.eventUri],
      ["invitee.canceled", adaBooking.eventUri],
    ],
  );
  for (const got of at("/ada")) {
    t.ok(verifySignature(got.signature, got.raw, APP_KEY, 180).ok, "signed with the app's key");
    t.equal(got.body.created_by, ada.uri, "created_by: the subscription's creator");
  }
  t.equal(at("/grace").length, 1, "Grace gets her own booking only");
  t.ok(verifySignature(at("/grace")[0]!.signature, at("/grace")[0]!.raw, APP_KEY, 180).ok, "the same one key");
  t.same(
    at("/global").map((g) => g.body.payload.scheduled_event.uri),
    [liamBooking.eventUri],
    "the set-up's own subscription: its organization's events only",
  );
  const adaDeliveries = f.deliveries.filter((d) => d.subscription === created.body.resource.uri);
  t.equal(adaDeliveries.length, 2);
  t.equal(adaDeliveries[0]!.state, "delivered");
  t.same(
    f.webhookSubscriptions.map((s) => s.user),
    [ada.uri, grace.uri],
  );
});

t.test("list, get and delete; a deleted subscription gets nothing more", async (t) => {
  const { hook, f, ada, grace, adaToken, subscribe } = await world(t);
  const created = (await subscribe(adaToken, ada, "/ada")).body.resource;
  const uuid = created.uri.split("/").pop();
  const org = encodeURIComponent(ada.organizationUri);

  const list = await api(
    f,
    adaToken,
    `/webhook_subscriptions?organization=${org}&scope=user&user=${encodeURIComponent(ada.uri)}`,
  );
  t.equal(list.status, 200);
  t.same(
    list.body.collection.map((s: { uri: string }) => s.uri),
    [created.uri],
  );
  t.match(list.body.pagination, { count: 1, next_page: null });
  const orgList = await api(f, adaToken, `/webhook_subscriptions?organization=${org}&scope=organization`);
  t.same(orgList.body.collection, [], "no organization subscriptions in her organization");

  const noUser = await api(f, adaToken, `/webhook_subscriptions?organization=${org}&scope=user`);
  t.equal(noUser.status, 400);
  t.match(noUser.body, { title: "Invalid Argument", details: [{ parameter: "user" }] });
  const otherOrg = await api(
    f,
    adaToken,
    `/webhook_subscriptions?organization=${encodeURIComponent(grace.organizationUri)}&scope=user&user=${encodeURIComponent(grace.uri)}`,
  );
  t.equal(otherOrg.status, 403);
  t.same(otherOrg.body, { title: "Permission Denied", message: "You do not have permission" });
  const asLiam = await api(f, PAT, `/webhook_subscriptions/${uuid}`);
  t.equal(asLiam.status, 403, "the personal access token cannot see Ada's subscription");

  const one = await api(f, adaToken, `/webhook_subscriptions/${uuid}`);
  t.same(one.body.resource, created);
  const gone = await api(f, adaToken, `/webhook_subscriptions/${uuid}`, { method: "DELETE" });
  t.equal(gone.status, 204);
  t.equal(gone.body, undefined);
  t.equal((await api(f, adaToken, `/webhook_subscriptions/${uuid}`)).status, 404);
  t.equal((await api(f, adaToken, `/webhook_subscriptions/${uuid}`, { method: "DELETE" })).status, 404);
  await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Ines", email: "ines@example.test" });
  await f.flushWebhooks();
  t.equal(hook.got.filter((g) => g.path === "/ada").length, 0);
});

t.test("Calendly's errors: invalid arguments, a duplicate URL, another user, another organization", async (t) => {
  const { hook, f, ada, grace, adaToken, subscribe } = await world(t);
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ["no url", { url: undefined }, "url"],
    ["not a URL", { url: "nope" }, "url"],
    ["ftp URL", { url: "ftp://example.test/x" }, "url"],
    ["no events", { events: [] }, "events"],
    ["unknown event", { events: ["invitee.moved"] }, "events"],
    ["repeated event", { events: ["invitee.created", "invitee.created"] }, "events"],
    ["bad scope", { scope: "everyone" }, "scope"],
    ["no organization", { organization: undefined }, "organization"],
    ["user scope without user", { user: undefined }, "user"],
    ["routing form at user scope", { events: ["routing_form_submission.created"] }, "events"],
    ["signing_key not a string", { signing_key: 5 }, "signing_key"],
  ];
  for (const [name, extra, parameter] of bad) {
    const res = await subscribe(adaToken, ada, "/ada", extra);
    t.equal(res.status, 400, name);
    t.match(res.body, { title: "Invalid Argument", message: "The supplied parameters are invalid." }, name);
    t.ok(
      res.body.details.some((d: { parameter: string }) => d.parameter === parameter),
      `${name}: names ${parameter}`,
    );
  }
  t.equal(f.webhookSubscriptions.length, 0, "nothing created");

  t.equal((await subscribe(adaToken, ada, "/ada")).status, 201);
  const duplicate = await subscribe(adaToken, ada, "/ada");
  t.equal(duplicate.status, 409);
  t.same(duplicate.body, { title: "Already Exists", message: "Hook with this url already exists" });

  const forGrace = await subscribe(adaToken, grace, "/x", { organization: ada.organizationUri });
  t.equal(forGrace.status, 403, "Grace is not in Ada's organization");
  const otherOrg = await subscribe(adaToken, ada, "/y", { organization: grace.organizationUri });
  t.equal(otherOrg.status, 403);
  t.same(otherOrg.body, { title: "Permission Denied", message: "You do not have permission to access this resource." });

  const orgScope = await subscribe(adaToken, ada, "/ada-org", { scope: "organization", user: undefined });
  t.equal(orgScope.status, 201, "Ada owns her organization");
  t.match(orgScope.body.resource, { scope: "organization", user: null });
  const notJson = await api(f, adaToken, "/webhook_subscriptions", { method: "POST", body: "nope" });
  t.equal(notJson.status, 400);
  t.ok(hook);
});

t.test("a disabled subscription gets nothing and says so; a 410 answer deletes it", async (t) => {
  const { hook, f, ada, grace, adaToken, graceToken, subscribe } = await world(t);
  const adaSub = (await subscribe(adaToken, ada, "/ada")).body.resource;
  const graceSub = (await subscribe(graceToken, grace, "/grace")).body.resource;

  t.same(f.disableWebhookSubscription(ada.uri), [adaSub.uri], "by user URI");
  const shown = await api(f, adaToken, `/webhook_subscriptions/${adaSub.uri.split("/").pop()}`);
  t.equal(shown.body.resource.state, "disabled");
  await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Ines", email: "ines@example.test" });
  await f.flushWebhooks();
  t.equal(hook.got.filter((g) => g.path === "/ada").length, 0, "no delivery to a disabled subscription");
  t.throws(() => f.disableWebhookSubscription("https://x.example/users/nobody"), /No webhook subscription/);

  // Recreating: the disabled one still holds the URL until it is deleted.
  t.equal((await subscribe(adaToken, ada, "/ada")).status, 409);
  await api(f, adaToken, `/webhook_subscriptions/${adaSub.uri.split("/").pop()}`, { method: "DELETE" });
  t.equal((await subscribe(adaToken, ada, "/ada")).status, 201);

  hook.answers.push(410);
  await f.schedule({ eventTypeUuid: GRACE_EVENT_TYPE, name: "Otto", email: "otto@example.test" });
  await f.flushWebhooks();
  const graceDeliveries = f.deliveries.filter((d) => d.subscription === graceSub.uri);
  t.equal(graceDeliveries.length, 1);
  t.equal(graceDeliveries[0]!.state, "gone");
  t.equal(graceDeliveries[0]!.attempts.length, 1, "410: no retries");
  t.equal((await api(f, graceToken, `/webhook_subscriptions/${graceSub.uri.split("/").pop()}`)).status, 404);
  t.same(
    f.webhookSubscriptions.map((s) => s.user),
    [ada.uri],
  );

  const disabledOverHttp = await fetch(`${f.url}/_sandbox/webhook-subscriptions/disable`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ subscription: f.webhookSubscriptions[0]!.uri }),
  });
  t.same(await disabledOverHttp.json(), { disabled: [f.webhookSubscriptions[0]!.uri] });
  t.equal(f.webhookSubscriptions[0]!.state, "disabled");
});

t.test("failed deliveries to a subscription are retried", async (t) => {
  const { hook, f, ada, adaToken, subscribe } = await world(t);
  await subscribe(adaToken, ada, "/ada");
  hook.answers.push(500);
  await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Ines", email: "ines@example.test" });
  await f.flushWebhooks();
  const delivery = f.deliveries.find((d) => d.url === `${hook.base}/ada`)!;
  t.same(
    delivery.attempts.map((a) => a.status),
    [500, 200],
  );
  t.equal(delivery.state, "delivered");
  t.equal(f.webhookSubscriptions[0]!.state, "active");
  t.equal(f.webhookSubscriptions[0]!.retry_started_at, null, "retrying no more");

  hook.answers.push(500, 500, 500);
  await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Otto", email: "otto@example.test" });
  await f.flushWebhooks();
  t.match(f.webhookSubscriptions[0], { state: "active", retry_started_at: /Z$/ }, "retrying since the first failure");
});

t.test("disableFailingSubscriptions: every retry failing disables the subscription, as 24 hours do", async (t) => {
  const { hook, f, ada, adaToken, subscribe } = await world(t, { disableFailingSubscriptions: true });
  await subscribe(adaToken, ada, "/ada");
  hook.answers.push(500, 502);
  await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Ines", email: "ines@example.test" });
  await f.flushWebhooks();
  t.equal(f.webhookSubscriptions[0]!.state, "active", "a retry got through");
  hook.answers.push(500, 500, 500);
  await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Otto", email: "otto@example.test" });
  await f.flushWebhooks();
  t.equal(f.webhookSubscriptions[0]!.state, "disabled");
  await f.schedule({ eventTypeUuid: ADA_EVENT_TYPE, name: "Pia", email: "pia@example.test" });
  await f.flushWebhooks();
  t.equal(hook.got.filter((g) => g.path === "/ada").length, 6, "3 attempts each time, nothing after it was disabled");
});

t.test("a personal access token's subscription is signed with its own signing_key", async (t) => {
  const { hook, f } = await world(t);
  f.setWebhookUrl(undefined);
  const created = await api(f, PAT, "/webhook_subscriptions", {
    method: "POST",
    body: JSON.stringify({
      url: `${hook.base}/liam`,
      events: ["invitee.created"],
      organization: f.organizationUri,
      scope: "organization",
      signing_key: "liam-own-key",
    }),
  });
  t.equal(created.status, 201);
  t.match(created.body.resource, { scope: "organization", organization: f.organizationUri, creator: f.userUri });
  await f.schedule({ eventTypeUuid: LIAM_EVENT_TYPE, name: "Pia", email: "pia@example.test" });
  await f.flushWebhooks();
  const got = hook.got.filter((g) => g.path === "/liam");
  t.equal(got.length, 1);
  t.ok(verifySignature(got[0]!.signature, got[0]!.raw, "liam-own-key", 180).ok);
  t.notOk(verifySignature(got[0]!.signature, got[0]!.raw, APP_KEY, 180).ok);
  const list = await api(
    f,
    PAT,
    `/webhook_subscriptions?organization=${encodeURIComponent(f.organizationUri)}&scope=organization`,
  );
  t.same(
    list.body.collection.map((s: { callback_url: string }) => s.callback_url),
    [`${hook.base}/liam`],
  );
});
