// The "Become a builder" flow on the marketplace, under /become-a-builder:
//   GET/POST /become-a-builder           1. the profile → POST /v1/partner/builders
//   GET/POST /become-a-builder/calendly  2. connect Calendly → POST …/calendly/connect, then the
//            consent page; the service's callback sends the visitor back here with
//            `calendly=connected` or `calendly=error&reason=…`
//   GET/POST /become-a-builder/session   3. one of the builder's Calendly event types, priced
//                                           → POST …/session-types
//   GET/POST /become-a-builder/payouts   4. when the service pays builders out: Stripe onboarding
//   GET      /become-a-builder/done      5. the builder as the marketplace shows it
// The visitor's session remembers the builder they created; nothing here acts on another one.
import type { IncomingMessage } from "node:http";
import type { Reply } from "../http.js";
import type { PageEnv } from "../pages.js";
import {
  CURRENCIES,
  calendlyProblem,
  calendlyStep,
  doneStep,
  EMPTY_PROFILE,
  type FieldErrors,
  type ProfileValues,
  payoutsStep,
  problemPage,
  profileStep,
  REFUND_POLICY_LABELS,
  type SessionValues,
  sessionStep,
} from "./pages.js";
import {
  type OnboardingBuilder,
  type PartnerClient,
  type ProfileInput,
  type ServiceError,
  ServiceUnavailable,
} from "./partner-client.js";
import { fromOwnOrigin, type OnboardingSession, type OnboardingSessions, validCsrf } from "./session.js";

export const BASE = "/become-a-builder";
const STEP_PATHS = new Set([BASE, `${BASE}/calendly`, `${BASE}/session`, `${BASE}/payouts`]);

export interface OnboardingOptions {
  client: PartnerClient;
  sessions: OnboardingSessions;
  pageEnv: () => PageEnv;
  /** The origins the marketplace answers on; the first is its canonical one. */
  origins: () => string[];
  /** The builder's balance in the sandbox Stripe, when the demo can read it. */
  balanceOf?: (builder: OnboardingBuilder) => Promise<{ amount: number; currency: string }[] | undefined>;
}

export interface Onboarding {
  acceptsPost(pathname: string): boolean;
  /** The reply for a /become-a-builder page; undefined for any other path. */
  route(url: URL, req: IncomingMessage, form?: URLSearchParams): Promise<Reply | undefined>;
}

const html = (body: string, status = 200, headers?: Record<string, string>): Reply => ({
  kind: "html",
  body,
  status,
  ...(headers ? { headers } : {}),
});
const seeOther = (location: string): Reply => ({ kind: "redirect", location, status: 303 });

/** True when the service pays builders out through Stripe Connect (a payouts step is needed). */
export const paysOut = (b: OnboardingBuilder): boolean => b.payouts?.mode === "connect";

/**
 * True when the builder's own Calendly is connected (OAuth). A connection in `token` mode is the
 * operator's single account, not the builder's, so onboarding still asks them to connect theirs.
 */
export const ownCalendly = (b: OnboardingBuilder): boolean =>
  b.calendly?.connected === true && b.calendly.mode === "oauth";

/** The first step this builder has not finished. */
export function nextStep(b: OnboardingBuilder): string {
  if (!ownCalendly(b)) return `${BASE}/calendly`;
  if (!b.sessionTypes.some((s) => s.active)) return `${BASE}/session`;
  if (paysOut(b) && b.payouts?.status !== "enabled") return `${BASE}/payouts`;
  return `${BASE}/done`;
}

/** "150", "150.5", "150.50" (major units) → 15050 minor units; undefined when it isn't a price. */
export function parsePrice(text: string): number | undefined {
  const m = /^(\d{1,6})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

/** The service's error as a message for the form field it names (its "field: " prefix dropped). */
function errorsFrom(error: ServiceError, fields: Record<string, string>): FieldErrors {
  const field = error.field ? fields[error.field] : undefined;
  const text = error.message.replace(/^(body\.)?[\w.]+: /, "");
  return field ? { [field]: `${capitalise(text)}.` } : { form: error.message };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace(/\.$/, "");

export function onboarding(o: OnboardingOptions): Onboarding {
  const { client, sessions } = o;
  /** Whether the service pays builders out (a payouts step): learnt from the builders it returns. */
  let payouts = false;
  const seen = (b: OnboardingBuilder) => {
    if (b.payouts !== undefined) payouts = paysOut(b);
    return b;
  };

  const unavailable = () =>
    html(
      problemPage(o.pageEnv(), {
        title: "The booking service isn't answering",
        message: "Nothing you entered was lost on our side. Please try again in a moment.",
        action: { href: BASE, label: "Try again" },
      }),
      503,
    );

  /** The origin this visitor reached the marketplace on (their cookie lives there). */
  const ownOrigin = (req: IncomingMessage): string => {
    const all = o.origins();
    return all.find((origin) => new URL(origin).host === req.headers.host) ?? all[0]!;
  };

  /** Refuses a POST without the visitor's session, from another origin, or without its token. */
  const guard = (req: IncomingMessage, form: URLSearchParams): OnboardingSession | Reply => {
    const session = sessions.find(req);
    const refuse = (title: string, message: string) =>
      html(
        problemPage(o.pageEnv(), { title, message, action: { href: BASE, label: "Back to Become a builder" } }),
        403,
      );
    if (!fromOwnOrigin(req, o.origins())) {
      return refuse("This form came from another site", "For your safety, the marketplace only accepts its own forms.");
    }
    if (!session) {
      return refuse(
        "Your session has ended",
        "This form belongs to a session that has ended (a session lasts two hours of inactivity). Start again from your profile.",
      );
    }
    if (!validCsrf(session, form.get("csrf"))) {
      return refuse("This form has expired", "Reload the page and send the form again.");
    }
    return session;
  };

  /** The session's builder, or the reply that sends the visitor back to the first step. */
  const builderOf = async (session: OnboardingSession | undefined): Promise<OnboardingBuilder | Reply> => {
    if (!session?.builderId) return seeOther(`${BASE}?expired=1`);
    const read = await client.getBuilder(session.builderId);
    if (!read.ok) {
      if (read.error.status === 404) {
        session.builderId = undefined;
        return seeOther(`${BASE}?expired=1`);
      }
      throw new ServiceUnavailable(read.error.message);
    }
    return seen(read.value);
  };
  const isReply = (x: unknown): x is Reply =>
    typeof x === "object" && x !== null && "kind" in x && (x.kind === "html" || x.kind === "redirect");

  // ---- 1. profile ----
  const profileGet = async (url: URL, req: IncomingMessage): Promise<Reply> => {
    const { session, setCookie } = sessions.resolve(req);
    let current: { builder: OnboardingBuilder; next: string } | undefined;
    if (session.builderId) {
      // Only a reminder: the form is shown even while the service does not answer.
      const read = await client.getBuilder(session.builderId).catch(() => undefined);
      if (read?.ok) current = { builder: seen(read.value), next: nextStep(read.value) };
    }
    const notice = url.searchParams.has("expired")
      ? "Your onboarding session has ended. Create your profile again to continue."
      : undefined;
    return html(
      profileStep(o.pageEnv(), {
        csrf: session.csrf,
        values: EMPTY_PROFILE,
        errors: {},
        notice,
        current,
        withPayouts: payouts,
      }),
      200,
      setCookie ? { "set-cookie": setCookie } : undefined,
    );
  };

  const profilePost = async (req: IncomingMessage, form: URLSearchParams): Promise<Reply> => {
    const session = guard(req, form);
    if (isReply(session)) return session;
    const values: ProfileValues = {
      slug: (form.get("slug") ?? "").trim(),
      name: form.get("name") ?? "",
      headline: form.get("headline") ?? "",
      bio: form.get("bio") ?? "",
      refundPolicy: form.get("refundPolicy") ?? "",
      refundCutoffHours: (form.get("refundCutoffHours") ?? "").trim(),
    };
    const again = (errors: FieldErrors, status: number) =>
      html(profileStep(o.pageEnv(), { csrf: session.csrf, values, errors, withPayouts: payouts }), status);
    const errors: FieldErrors = {};
    if (!values.name.trim()) errors.name = "Enter your name.";
    if (!values.slug) errors.slug = "Choose the address of your profile.";
    if (!(values.refundPolicy in REFUND_POLICY_LABELS)) errors.refundPolicy = "Choose a refund policy.";
    let cutoff: number | null = null;
    if (values.refundPolicy === "CUTOFF") {
      cutoff = /^\d{1,4}$/.test(values.refundCutoffHours) ? Number(values.refundCutoffHours) : Number.NaN;
      if (Number.isNaN(cutoff)) errors.refundCutoffHours = "Enter a whole number of hours, e.g. 24.";
    }
    if (Object.keys(errors).length > 0) return again(errors, 400);
    const input: ProfileInput = {
      slug: values.slug,
      name: values.name,
      headline: values.headline,
      bio: values.bio,
      refundPolicy: values.refundPolicy,
      refundCutoffHours: cutoff,
    };
    let created: Awaited<ReturnType<PartnerClient["createBuilder"]>>;
    try {
      created = await client.createBuilder(input);
    } catch (error) {
      if (!(error instanceof ServiceUnavailable)) throw error;
      return again({ form: "The booking service isn't answering. Your answers are kept: try again in a moment." }, 503);
    }
    if (!created.ok) {
      const fields = Object.fromEntries(Object.keys(values).map((k) => [k, k]));
      return again(errorsFrom(created.error, fields), created.error.status);
    }
    session.builderId = seen(created.value).id;
    return seeOther(`${BASE}/calendly`);
  };

  // ---- 2. Calendly ----
  const calendlyGet = async (url: URL, req: IncomingMessage): Promise<Reply> => {
    const session = sessions.find(req);
    const builder = await builderOf(session);
    if (isReply(builder)) return builder;
    const outcome = url.searchParams.get("calendly");
    if (outcome === "connected" && ownCalendly(builder)) return seeOther(`${BASE}/session`);
    let problem: { title: string; message: string } | undefined;
    if (outcome === "error") problem = calendlyProblem(url.searchParams.get("reason") ?? "");
    else if (outcome === "connected") problem = calendlyProblem("not_connected");
    return html(
      calendlyStep(o.pageEnv(), {
        csrf: session!.csrf,
        builder,
        connected: ownCalendly(builder),
        problem,
        withPayouts: payouts,
      }),
    );
  };

  const calendlyPost = async (req: IncomingMessage, form: URLSearchParams): Promise<Reply> => {
    const session = guard(req, form);
    if (isReply(session)) return session;
    const builder = await builderOf(session);
    if (isReply(builder)) return builder;
    const answer = await client.connectCalendly(builder.id, `${ownOrigin(req)}${BASE}/calendly`);
    if (answer.ok && /^https?:\/\//.test(answer.value.authorizeUrl)) return seeOther(answer.value.authorizeUrl);
    const problem = {
      title: "Calendly couldn't be connected",
      message: answer.ok ? "The booking service gave no consent page to go to." : answer.error.message,
    };
    // Nothing the visitor typed is at fault: the service or its Calendly set-up is.
    return html(
      calendlyStep(o.pageEnv(), { csrf: session.csrf, builder, connected: false, problem, withPayouts: payouts }),
      502,
    );
  };

  // ---- 3. session type and price ----
  const eventTypesOf = (b: OnboardingBuilder) => (b.calendly?.eventTypes ?? []).filter((t) => t.active !== false);

  const sessionGet = async (req: IncomingMessage): Promise<Reply> => {
    const session = sessions.find(req);
    const builder = await builderOf(session);
    if (isReply(builder)) return builder;
    if (!ownCalendly(builder)) return seeOther(`${BASE}/calendly`);
    const eventTypes = eventTypesOf(builder);
    return html(
      sessionStep(o.pageEnv(), {
        csrf: session!.csrf,
        builder,
        eventTypes,
        readError: builder.calendly?.eventTypes ? undefined : builder.calendly?.eventTypesError,
        values: { eventType: eventTypes.length === 1 ? eventTypes[0]!.uri : "", price: "", currency: "usd" },
        errors: {},
        withPayouts: payouts,
      }),
    );
  };

  const sessionPost = async (req: IncomingMessage, form: URLSearchParams): Promise<Reply> => {
    const session = guard(req, form);
    if (isReply(session)) return session;
    const builder = await builderOf(session);
    if (isReply(builder)) return builder;
    if (!ownCalendly(builder)) return seeOther(`${BASE}/calendly`);
    const eventTypes = eventTypesOf(builder);
    const values: SessionValues = {
      eventType: form.get("eventType") ?? "",
      price: (form.get("price") ?? "").trim(),
      currency: form.get("currency") ?? "",
    };
    const again = (errors: FieldErrors, status: number) =>
      html(
        sessionStep(o.pageEnv(), {
          csrf: session.csrf,
          builder,
          eventTypes,
          readError: builder.calendly?.eventTypes ? undefined : builder.calendly?.eventTypesError,
          values,
          errors,
          withPayouts: payouts,
        }),
        status,
      );
    const eventType = eventTypes.find((t) => t.uri === values.eventType);
    const amount = parsePrice(values.price);
    const errors: FieldErrors = {};
    if (!eventType) errors.eventType = "Choose one of your Calendly event types.";
    if (amount === undefined) errors.price = "Enter the price as a number, e.g. 150 or 149.50.";
    if (!(CURRENCIES as readonly string[]).includes(values.currency)) errors.currency = "Choose a currency.";
    if (!eventType || amount === undefined || errors.currency) return again(errors, 400);
    const added = await client.addSessionType(builder.id, {
      calendlyEventTypeUri: eventType.uri,
      price: { amount, currency: values.currency },
    });
    if (!added.ok) {
      const fields = {
        calendlyEventTypeUri: "eventType",
        "price.amount": "price",
        price: "price",
        "price.currency": "currency",
        currency: "currency",
      };
      return again(errorsFrom(added.error, fields), added.error.status);
    }
    return seeOther(payouts ? `${BASE}/payouts` : `${BASE}/done`);
  };

  // ---- 4. payouts ----
  const payoutsGet = async (url: URL, req: IncomingMessage): Promise<Reply> => {
    const session = sessions.find(req);
    const builder = await builderOf(session);
    if (isReply(builder)) return builder;
    if (!paysOut(builder)) return seeOther(`${BASE}/done`);
    const returned = url.searchParams.has("returned");
    if (returned && builder.payouts?.status === "enabled") return seeOther(`${BASE}/done`);
    return html(payoutsStep(o.pageEnv(), { csrf: session!.csrf, builder, returned }));
  };

  const payoutsPost = async (req: IncomingMessage, form: URLSearchParams): Promise<Reply> => {
    const session = guard(req, form);
    if (isReply(session)) return session;
    const builder = await builderOf(session);
    if (isReply(builder)) return builder;
    const answer = await client.connectPayouts(builder.id, `${ownOrigin(req)}${BASE}/payouts?returned=1`);
    if (answer.ok && /^https?:\/\//.test(answer.value.url)) return seeOther(answer.value.url);
    const error = answer.ok ? "The booking service gave no Stripe page to go to." : answer.error.message;
    return html(payoutsStep(o.pageEnv(), { csrf: session.csrf, builder, error }), 502);
  };

  // ---- 5. done ----
  const doneGet = async (req: IncomingMessage): Promise<Reply> => {
    const builder = await builderOf(sessions.find(req));
    if (isReply(builder)) return builder;
    const balance = await o.balanceOf?.(builder).catch(() => undefined);
    return html(doneStep(o.pageEnv(), { builder, withPayouts: payouts, balance }));
  };

  return {
    acceptsPost: (pathname) => STEP_PATHS.has(pathname),
    async route(url, req, form) {
      const p = url.pathname.replace(/\/$/, "") || "/";
      if (p !== BASE && !p.startsWith(`${BASE}/`)) return undefined;
      try {
        if (form) {
          if (p === BASE) return await profilePost(req, form);
          if (p === `${BASE}/calendly`) return await calendlyPost(req, form);
          if (p === `${BASE}/session`) return await sessionPost(req, form);
          if (p === `${BASE}/payouts`) return await payoutsPost(req, form);
          return undefined;
        }
        if (p === BASE) return await profileGet(url, req);
        if (p === `${BASE}/calendly`) return await calendlyGet(url, req);
        if (p === `${BASE}/session`) return await sessionGet(req);
        if (p === `${BASE}/payouts`) return await payoutsGet(url, req);
        if (p === `${BASE}/done`) return await doneGet(req);
        return undefined;
      } catch (error) {
        if (error instanceof ServiceUnavailable) return unavailable();
        throw error;
      }
    },
  };
}
