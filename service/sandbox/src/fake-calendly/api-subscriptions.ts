// `/webhook_subscriptions` of the fake's API: list, create, get and delete, per organization and
// user, in Calendly's shapes and with its errors (400 details, 403, 404, 409 "Already Exists").
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import {
  type ApiContext,
  type Caller,
  forbidden,
  forbiddenBecause,
  invalidArgument,
  need,
  paginate,
  type Result,
  sameOrganization,
} from "./api-common.js";
import { readJsonObject } from "./http.js";
import { calendlyTime, FakeCalendlyError } from "./store.js";
import { SUBSCRIBABLE_EVENTS } from "./subscriptions.js";
import type { WebhookSubscription } from "./wire.js";
import { uuidFromUri } from "./wire.js";

/** The set-up's own subscription (`setWebhookUrl`): organization-scoped, in the first organization. */
export function subscriptionResource(ctx: ApiContext): WebhookSubscription | undefined {
  const url = ctx.actions.webhooks.webhookUrl;
  if (!url) return undefined;
  const store = ctx.actions.store;
  return {
    uri: `${store.apiBase}/webhook_subscriptions/${ctx.subscription.uuid}`,
    callback_url: url,
    created_at: calendlyTime(ctx.subscription.createdAt),
    updated_at: calendlyTime(ctx.subscription.updatedAt),
    retry_started_at: null,
    state: "active",
    events: ["invitee.created", "invitee.canceled"],
    scope: "organization",
    organization: store.organizationUri,
    user: null,
    group: null,
    creator: store.owner.uri,
    has_signing_key: ctx.signingKey.length > 0,
  };
}

export async function webhookSubscriptions(
  ctx: ApiContext,
  caller: Caller,
  method: string,
  url: URL,
  req: IncomingMessage,
  id: string | undefined,
  sub: string | undefined,
): Promise<Result> {
  const store = ctx.actions.store;
  const subscriptions = ctx.subscriptions;
  const legacy = subscriptionResource(ctx);
  const isLegacy = (uuid: string) => legacy !== undefined && uuid === ctx.subscription.uuid;
  const isOwner = caller.host.role === "owner";
  if (sub) return undefined;

  if (method === "GET" && !id) {
    need(caller, "webhooks:read");
    const organization = url.searchParams.get("organization");
    const scope = url.searchParams.get("scope");
    const user = url.searchParams.get("user");
    if (!organization) throw invalidArgument("organization", "can't be blank");
    if (!scope || !["user", "organization", "group"].includes(scope)) {
      throw invalidArgument("scope", "must be one of user, organization, group");
    }
    if (scope === "user" && !user) throw invalidArgument("user", "can't be blank when scope is user");
    if (uuidFromUri(organization) !== caller.host.organizationUuid)
      throw forbiddenBecause("You do not have permission");
    const userUuid = user ? uuidFromUri(user) : undefined;
    if (userUuid) {
      const host = store.hostByUuid(userUuid);
      if (!sameOrganization(caller, host)) throw forbiddenBecause("Unauthorized");
      if (userUuid !== caller.host.uuid && !isOwner) throw forbiddenBecause("Unauthorized");
    }
    let items: WebhookSubscription[] = [];
    if (scope === "organization") {
      if (legacy && caller.host.organizationUuid === store.organizationUuid) items.push(legacy);
    }
    if (scope !== "group") {
      const records = subscriptions
        .all()
        .filter((r) => r.organizationUuid === caller.host.organizationUuid && r.scope === scope)
        .filter((r) => !userUuid || r.userUuid === userUuid);
      items = items.concat(records.map((r) => subscriptions.resource(r)));
    }
    if (url.searchParams.get("sort") === "created_at:desc") items.reverse();
    return { status: 200, body: paginate(items, url, store.apiBase, "/webhook_subscriptions") };
  }

  if (method === "POST" && !id) {
    need(caller, "webhooks:write");
    const body = await readJsonObject(req);
    const details: Array<{ parameter: string; message: string }> = [];
    const callback = typeof body.url === "string" ? body.url.trim() : "";
    let callbackOk = false;
    try {
      const parsed = new URL(callback);
      callbackOk = parsed.protocol === "https:" || parsed.protocol === "http:";
    } catch {
      callbackOk = false;
    }
    if (!callback) details.push({ parameter: "url", message: "can't be blank" });
    else if (!callbackOk) details.push({ parameter: "url", message: "is not a valid URL" });
    const events = body.events;
    if (!Array.isArray(events) || events.length === 0) {
      details.push({ parameter: "events", message: "can't be blank" });
    } else if (events.some((e) => !(SUBSCRIBABLE_EVENTS as readonly unknown[]).includes(e))) {
      details.push({ parameter: "events", message: `must be among ${SUBSCRIBABLE_EVENTS.join(", ")}` });
    } else if (new Set(events).size !== events.length) {
      details.push({ parameter: "events", message: "must not repeat an event" });
    }
    const scope = body.scope;
    if (scope !== "user" && scope !== "organization") {
      details.push({ parameter: "scope", message: "must be user or organization" });
    }
    if (typeof body.organization !== "string" || !body.organization) {
      details.push({ parameter: "organization", message: "can't be blank" });
    }
    if (scope === "user" && (typeof body.user !== "string" || !body.user)) {
      details.push({ parameter: "user", message: "can't be blank when scope is user" });
    }
    if (scope === "user" && Array.isArray(events) && events.includes("routing_form_submission.created")) {
      details.push({ parameter: "events", message: "routing_form_submission.created needs the organization scope" });
    }
    if (body.signing_key !== undefined && typeof body.signing_key !== "string") {
      details.push({ parameter: "signing_key", message: "must be a string" });
    }
    if (details.length > 0) {
      throw new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", details);
    }
    if (uuidFromUri(body.organization as string) !== caller.host.organizationUuid) throw forbidden();
    let userUuid: string | null = null;
    if (scope === "user") {
      const host = store.hostByUuid(uuidFromUri(body.user as string));
      if (!sameOrganization(caller, host)) throw forbidden();
      if (host.uuid !== caller.host.uuid && !isOwner) throw forbiddenBecause("You do not have permission");
      userUuid = host.uuid;
    } else if (!isOwner) {
      throw forbidden();
    }
    const input = {
      callbackUrl: callback,
      scope: scope as "user" | "organization",
      organizationUuid: caller.host.organizationUuid,
      userUuid,
    };
    const legacyClash =
      legacy !== undefined &&
      input.scope === "organization" &&
      input.organizationUuid === store.organizationUuid &&
      legacy.callback_url === callback;
    if (legacyClash || subscriptions.duplicate(input)) {
      throw new FakeCalendlyError(409, "Already Exists", "Hook with this url already exists");
    }
    // An OAuth app signs everything with its one key; a personal access token's subscription
    // uses the signing_key it was created with (the set-up's key when none is given).
    const signingKey =
      caller.auth === "oauth"
        ? ctx.oauth.app.signingKey
        : typeof body.signing_key === "string"
          ? body.signing_key
          : ctx.signingKey;
    const record = subscriptions.create({
      ...input,
      events: [...(events as string[])],
      creatorUuid: caller.host.uuid,
      signingKey,
    });
    return { status: 201, body: { resource: subscriptions.resource(record) } };
  }

  if (id && (method === "GET" || method === "DELETE")) {
    need(caller, method === "GET" ? "webhooks:read" : "webhooks:write");
    if (isLegacy(id)) {
      if (caller.host.organizationUuid !== store.organizationUuid) throw forbidden();
      if (method === "GET") return { status: 200, body: { resource: legacy } };
      if (!isOwner) throw forbidden();
      ctx.actions.webhooks.setUrl(undefined);
      return { status: 204, body: undefined };
    }
    const record = subscriptions.get(id);
    if (!record) return undefined;
    if (record.organizationUuid !== caller.host.organizationUuid) throw forbidden();
    if (record.scope === "user" && record.userUuid !== caller.host.uuid && !isOwner) throw forbidden();
    if (method === "GET") return { status: 200, body: { resource: subscriptions.resource(record) } };
    subscriptions.delete(record.uuid);
    return { status: 204, body: undefined };
  }

  return undefined;
}

export function newSubscriptionState(): ApiContext["subscription"] {
  const now = new Date();
  return { uuid: randomUUID(), createdAt: now, updatedAt: now };
}
