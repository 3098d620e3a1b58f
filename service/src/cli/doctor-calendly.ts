// The doctor's Calendly section: the token, the builders' event types, the webhook subscription.
import {
  type CalendlyClient,
  type CalendlyUser,
  type EventType,
  isCalendlyError,
  uuidFromUri,
  type WebhookSubscription,
} from "../providers/calendly.js";
import { deliveryChecks } from "./doctor-database.js";
import {
  CALENDLY_EVENTS,
  DOCS,
  type DoctorInput,
  dbNotReady,
  errorText,
  normalizeUrl,
  type Report,
  sandboxFake,
} from "./doctor-report.js";

async function allEventTypes(calendly: CalendlyClient, user: string): Promise<EventType[]> {
  const out: EventType[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 20; page++) {
    const res = await calendly.listEventTypes({ user, count: 100, ...(pageToken ? { pageToken } : {}) });
    out.push(...res.collection);
    if (!res.pagination.next_page_token) break;
    pageToken = res.pagination.next_page_token;
  }
  return out;
}

async function subscriptions(
  calendly: CalendlyClient,
  me: CalendlyUser,
): Promise<{ found: WebhookSubscription[]; errors: string[] }> {
  const found: WebhookSubscription[] = [];
  const errors: string[] = [];
  for (const scope of ["organization", "user"] as const) {
    try {
      let pageToken: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await calendly.listWebhookSubscriptions({
          organization: me.current_organization,
          scope,
          ...(scope === "user" ? { user: me.uri } : {}),
          count: 100,
          ...(pageToken ? { pageToken } : {}),
        });
        found.push(...res.collection);
        if (!res.pagination.next_page_token) break;
        pageToken = res.pagination.next_page_token;
      }
    } catch (error) {
      errors.push(`${scope} scope: ${errorText(error)}`);
    }
  }
  return { found, errors };
}

export async function calendlyChecks(
  r: Report,
  input: DoctorInput,
  base: string | undefined,
  dbReady: boolean,
): Promise<void> {
  r.in("Calendly");
  const { config, calendly } = input;
  const sandbox = config.calendly.sandbox;
  const where = sandbox
    ? `sandbox Calendly (${sandboxFake(input.sandbox?.own?.calendly, input.sandbox?.calendlyUrl)})`
    : `Calendly API at ${calendly.apiBase}`;
  let me: CalendlyUser;
  try {
    me = await calendly.getCurrentUser();
    r.pass(`${where} accepts the token: user ${me.name} (${me.scheduling_url})`);
  } catch (error) {
    const unauthorized = isCalendlyError(error) && error.kind === "unauthorized";
    r.fail(
      unauthorized
        ? `${where} rejects CALENDLY_TOKEN (${errorText(error)})`
        : `${where} cannot be reached (${errorText(error)})`,
      unauthorized
        ? "create a new personal access token (Calendly → Integrations → API and webhooks) or refresh the OAuth token, and set CALENDLY_TOKEN"
        : "check CALENDLY_API_BASE and this host's outbound network access to api.calendly.com",
    );
    return;
  }

  // Each bookable builder's event page must be an event type of the token's user: the
  // service verifies bookings with this one token.
  let types: EventType[] | undefined;
  try {
    types = await allEventTypes(calendly, me.uri);
  } catch (error) {
    r.fail(`cannot list ${me.name}'s event types (${errorText(error)})`, "check the token's permissions");
  }
  if (types) {
    const targets: { name: string; url: string; storedTypeUri: string | null }[] = [];
    if (dbReady && input.db) {
      const builders = await input.db.prisma.builder.findMany({
        where: { isDemo: false, bookingEnabled: true },
        orderBy: { slug: "asc" },
      });
      if (builders.length === 0) {
        r.warn(
          "no active builder in the catalogue: nothing can be booked",
          "create one with `npm run admin -- builders create --help` or POST /v1/partner/builders",
        );
      }
      for (const b of builders) {
        const fix = `npm run admin -- builders update ${b.slug} --calendly-event-url <url>`;
        if (!b.calendlyEventUrl) {
          r.warn(`builder ${b.name} (${b.slug}) has no Calendly event URL and shows as unavailable`, fix);
          continue;
        }
        if (!sandbox && new URL(b.calendlyEventUrl).origin !== config.calendly.origin) {
          r.fail(
            `builder ${b.name} (${b.slug}): event URL ${b.calendlyEventUrl} is not on CALENDLY_ORIGIN ${config.calendly.origin}: ` +
              "the widget would ignore the page's messages and never leave its loading state",
            `${fix} with an event URL on ${config.calendly.origin}, or set CALENDLY_ORIGIN to the origin the event pages are served from`,
          );
          continue;
        }
        targets.push({ name: `${b.name} (${b.slug})`, url: b.calendlyEventUrl, storedTypeUri: b.calendlyEventTypeUri });
      }
    } else {
      r.info(`builder event URLs not checked: ${dbNotReady(input)}`);
    }
    // The sandbox serves every event page on the fake's origin, so only the path identifies it.
    const key = (url: string) => (sandbox ? new URL(normalizeUrl(url)).pathname : normalizeUrl(url).toLowerCase());
    for (const t of targets) {
      const match = types.find((et) => key(et.scheduling_url) === key(t.url));
      if (!match) {
        const own = types
          .filter((et) => et.active)
          .slice(0, 3)
          .map((et) => et.scheduling_url);
        r.fail(
          `${t.name}: event URL ${t.url} is not an event type of ${me.name}, the owner of CALENDLY_TOKEN`,
          `use the event URL of one of ${me.name}'s event types${own.length ? ` (${own.join(", ")})` : ""}, ` +
            "or a token of the user who owns the event; several builders on separate Calendly accounts need an OAuth app",
        );
      } else if (!match.active) {
        r.fail(`${t.name}: event type "${match.name}" is turned off in Calendly`, "turn the event type on in Calendly");
      } else if (t.storedTypeUri && uuidFromUri(t.storedTypeUri) !== uuidFromUri(match.uri)) {
        r.fail(
          `${t.name}: the stored event type ${t.storedTypeUri} is not the one at ${t.url} (${match.uri}); bookings would fail verification`,
          "set the event URL again (`npm run admin -- builders update <slug> --calendly-event-url <url>`); the service looks the event type up again",
        );
      } else {
        r.pass(`${t.name}: ${t.url} is ${me.name}'s event type "${match.name}"`);
      }
    }
  }

  // The webhook subscription.
  if (!base) {
    r.info("webhook subscription not checked: PUBLIC_URL is not set");
    return;
  }
  const expected = `${base}/webhooks/calendly`;
  const { found, errors } = await subscriptions(calendly, me);
  if (errors.length === 2) {
    r.fail(
      `cannot list webhook subscriptions (${errors.join("; ")})`,
      "organization-scope subscriptions can only be listed by an organization admin's token",
    );
    return;
  }
  const matching = found.filter((s) => normalizeUrl(s.callback_url) === normalizeUrl(expected));
  if (matching.length === 0) {
    const others = found.map((s) => s.callback_url);
    r.fail(
      others.length
        ? `no Calendly webhook subscription points at ${expected}; the ones found point at ${others.join(", ")}`
        : `no Calendly webhook subscription points at ${expected}`,
      `create one with url=${expected}, events invitee.created and invitee.canceled and signing_key=CALENDLY_WEBHOOK_SIGNING_KEY (see ${DOCS})`,
    );
    return;
  }
  const sub = matching.find((s) => s.state === "active") ?? matching[0]!;
  const auto = sandbox ? " (the sandbox subscribes the service automatically)" : "";
  if (sub.state !== "active") {
    r.fail(
      `the webhook subscription to ${expected} is ${sub.state}; Calendly disables a subscription after 24 h of failed deliveries`,
      "make the endpoint reachable, then delete the subscription (DELETE /webhook_subscriptions/{uuid}) and create it again",
    );
  } else {
    const missing = CALENDLY_EVENTS.filter((e) => !sub.events.includes(e));
    if (missing.length > 0) {
      r.fail(
        `the webhook subscription to ${expected} lacks ${missing.join(", ")}`,
        `subscriptions cannot be edited: create a new one with both events, then delete ${sub.uri}`,
      );
    } else {
      r.pass(`webhook subscription (${sub.scope} scope) is active for ${sub.events.join(", ")} → ${expected}${auto}`);
    }
  }
  if (sub.has_signing_key === true) {
    r.pass("the webhook subscription is signed");
  } else if (sub.has_signing_key === false) {
    r.fail(
      "the webhook subscription has no signing key: the service rejects its unsigned deliveries",
      "create the subscription again with signing_key set to CALENDLY_WEBHOOK_SIGNING_KEY, then delete the old one",
    );
  } else {
    const created = new Date(sub.created_at);
    const lastValid =
      dbReady && input.db
        ? await input.db.prisma.webhookDelivery.findFirst({
            where: { provider: "CALENDLY", signature: "VALID", receivedAt: { gte: created } },
            orderBy: { receivedAt: "desc" },
            select: { receivedAt: true },
          })
        : null;
    if (lastValid) {
      r.pass(
        `the webhook subscription is signed with CALENDLY_WEBHOOK_SIGNING_KEY: a delivery verified at ${lastValid.receivedAt.toISOString()}`,
      );
    } else {
      r.warn(
        "Calendly does not reveal whether a subscription has a signing key, and no delivery has been verified since it was created",
        "book and cancel a test slot, then run the doctor again; if the deliveries fail their signature check, " +
          "create the subscription again with signing_key=CALENDLY_WEBHOOK_SIGNING_KEY",
      );
    }
  }
  if (matching.length > 1) {
    r.warn(
      `${matching.length} subscriptions point at ${expected}; each event arrives several times`,
      "delete the extra subscriptions (deliveries are deduplicated, but each one costs a request)",
    );
  }
  if (dbReady && input.db) await deliveryChecks(r, input.db, "CALENDLY", "CALENDLY_WEBHOOK_SIGNING_KEY", 180);
}
