// The fake's HTTP surface: Stripe's v1 API (Bearer auth, form bodies, idempotency, Stripe-shaped
// errors, injected faults, a request log, the Stripe-Account header where Connect allows it) and
// the hosted checkout and onboarding pages for the browser.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  OUTCOMES,
  type Outcome,
  outcomeFromQuery,
  renderCheckoutPage,
  renderNotFoundPage,
  SCRIPT_SOURCE,
} from "./checkout-page.js";
import { ONBOARDING_OUTCOMES, type OnboardingOutcome } from "./connect.js";
import type { Core, PayOptions, RequestInfo } from "./core.js";
import {
  ApiError,
  apiError,
  authenticationError,
  idempotencyInFlight,
  invalidParam,
  redactKey,
  resourceMissing,
  unrecognizedUrl,
} from "./errors.js";
import { CONNECT_ENABLED_EVENTS, ENABLED_EVENTS, type EventDeliverer } from "./events.js";
import { renderExpressPage, renderLoginLinkUsedPage } from "./express-page.js";
import type { FaultQueue } from "./faults.js";
import { canonical, type FormObject, FormParseError, parseForm } from "./form.js";
import type { IdempotencyStore } from "./idempotency.js";
import { newId } from "./ids.js";
import {
  renderAccount,
  renderList,
  renderPaymentIntent,
  renderRefund,
  renderWebhookEndpoint,
  type StripeObject,
} from "./objects.js";
import { renderLinkNotFoundPage, renderOnboardingPage } from "./onboarding-page.js";
import { expandList, optEnum, optInt, optString } from "./params.js";

export interface RequestLogEntry {
  /** The `Request-Id` answered (`req_…`). */
  requestId: string;
  method: string;
  path: string;
  query: string;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  /** The `Stripe-Account` header: a request made as a connected account. */
  stripeAccount: string | null;
  /** Parsed form body (POST) or query (GET). */
  params: FormObject;
  /** Epoch milliseconds. */
  at: number;
  /** HTTP status answered; 0 while running or when the connection was dropped. */
  status: number;
  replayed: boolean;
  /** Which injected fault hit this request, if any. */
  fault: string | null;
}

export interface ServerContext {
  core: Core;
  deliverer: EventDeliverer;
  connectDeliverer: EventDeliverer;
  faults: FaultQueue;
  idempotency: IdempotencyStore;
  secretKey: string;
  apiVersion: string;
  accountId: string;
  webhookEndpointId: string;
  connectWebhookEndpointId: string;
  startedAt: number;
  log: RequestLogEntry[];
  /** Resolves after `ms`, or early with false when the fake closes. */
  sleep: (ms: number) => Promise<boolean>;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** The request log is for tests and debugging; a long-running sandbox keeps only the newest entries. */
const MAX_LOG_ENTRIES = 10_000;

type Handler = (
  m: RegExpMatchArray,
  params: FormObject,
  req: RequestInfo,
  /** The connected account of a `Stripe-Account` request (only on routes that take one). */
  stripeAccount: string | null,
) => StripeObject;
interface Route {
  method: "GET" | "POST" | "DELETE";
  pattern: RegExp;
  handler: Handler;
  /** Whether the route answers for a connected account named by the Stripe-Account header. */
  asAccount?: boolean;
}

function routes(ctx: ServerContext): Route[] {
  const { core } = ctx;
  const store = core.store;
  const id = (m: RegExpMatchArray) => decodeURIComponent(m[1]!);
  return [
    {
      method: "POST",
      pattern: /^\/v1\/checkout\/sessions$/,
      handler: (_m, p) => {
        const { session, expand } = core.createSession(p);
        return core.sessionObject(session, expand);
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/,
      handler: (m, p) => core.sessionObject(store.session(id(m)), expandList(p["expand"])),
    },
    {
      method: "GET",
      pattern: /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/,
      handler: (m) => {
        const s = store.session(id(m));
        return core.sessionObject(s, ["line_items"])["line_items"] as StripeObject;
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/,
      handler: (m, p, req) => {
        const expand = expandList(p["expand"]);
        return core.sessionObject(core.expireSession(id(m), req).session, expand);
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/payment_intents\/([^/]+)$/,
      handler: (m, p) => core.expand(renderPaymentIntent(store.paymentIntent(id(m))), expandList(p["expand"])),
    },
    {
      method: "GET",
      pattern: /^\/v1\/charges\/([^/]+)$/,
      handler: (m, p) => core.chargeObject(store.charge(id(m)), expandList(p["expand"])),
    },
    {
      method: "POST",
      pattern: /^\/v1\/refunds$/,
      handler: (_m, p, req) => {
        const { refund, expand } = core.createRefund(p, req);
        return core.expand(renderRefund(refund), expand);
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/refunds\/([^/]+)$/,
      handler: (m, p) => core.expand(renderRefund(store.refund(id(m))), expandList(p["expand"])),
    },
    {
      method: "GET",
      pattern: /^\/v1\/events\/([^/]+)$/,
      handler: (m) => structuredClone(store.event(id(m))) as unknown as StripeObject,
    },
    {
      method: "GET",
      pattern: /^\/v1\/events$/,
      handler: (_m, p) => {
        const type = optString(p["type"], "type");
        const limit = optInt(p["limit"], "limit") ?? 10;
        if (limit < 1 || limit > 100) throw invalidParam("limit must be between 1 and 100", "limit");
        const all = [...store.events.values()].reverse().filter((e) => !type || matchesType(e.type, type));
        return renderList("/v1/events", structuredClone(all.slice(0, limit)), all.length > limit);
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/webhook_endpoints$/,
      handler: () => {
        const data: StripeObject[] = [];
        const url = ctx.deliverer.url;
        if (url) {
          data.push(
            renderWebhookEndpoint({
              id: ctx.webhookEndpointId,
              url,
              created: ctx.startedAt,
              apiVersion: ctx.apiVersion,
              enabledEvents: ENABLED_EVENTS,
            }),
          );
        }
        const connectUrl = ctx.connectDeliverer.url;
        if (connectUrl) {
          data.push(
            renderWebhookEndpoint({
              id: ctx.connectWebhookEndpointId,
              url: connectUrl,
              created: ctx.startedAt,
              apiVersion: ctx.apiVersion,
              enabledEvents: CONNECT_ENABLED_EVENTS,
              description: "Sandbox Connect webhook endpoint (fake Stripe)",
            }),
          );
        }
        return renderList("/v1/webhook_endpoints", data);
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/account$/,
      asAccount: true,
      handler: (_m, _p, _r, account) =>
        account
          ? core.connect.accountObject(core.connect.reachable(account))
          : renderAccount({ id: ctx.accountId, created: ctx.startedAt }),
    },
    // ---- Connect ----
    {
      method: "POST",
      pattern: /^\/v1\/accounts$/,
      handler: (_m, p) => {
        const { account, expand } = core.connect.createAccount(p);
        return core.expand(core.connect.accountObject(account), expand);
      },
    },
    { method: "GET", pattern: /^\/v1\/accounts$/, handler: (_m, p) => core.connect.listAccounts(p) },
    {
      method: "GET",
      pattern: /^\/v1\/accounts\/([^/]+)$/,
      handler: (m, p) =>
        core.expand(core.connect.accountObject(core.connect.reachable(id(m))), expandList(p["expand"])),
    },
    {
      method: "POST",
      pattern: /^\/v1\/accounts\/([^/]+)$/,
      handler: (m, p) => {
        const { account, expand } = core.connect.updateAccount(id(m), p);
        return core.expand(account, expand);
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/accounts\/([^/]+)\/reject$/,
      handler: (m, p) => core.connect.rejectAccount(id(m), p),
    },
    {
      method: "DELETE",
      pattern: /^\/v1\/accounts\/([^/]+)$/,
      handler: (m) => core.connect.deleteAccount(id(m)),
    },
    {
      method: "POST",
      pattern: /^\/v1\/accounts\/([^/]+)\/login_links$/,
      handler: (m, p) => core.connect.createLoginLink(id(m), p),
    },
    { method: "POST", pattern: /^\/v1\/account_links$/, handler: (_m, p) => core.connect.createAccountLink(p) },
    {
      method: "GET",
      pattern: /^\/v1\/balance$/,
      asAccount: true,
      handler: (_m, _p, _r, account) => core.connect.balanceObject(account),
    },
    { method: "GET", pattern: /^\/v1\/application_fees$/, handler: (_m, p) => core.connect.listApplicationFees(p) },
    {
      method: "GET",
      pattern: /^\/v1\/application_fees\/([^/]+)$/,
      handler: (m, p) => core.expand(core.connect.applicationFeeObject(id(m)), expandList(p["expand"])),
    },
    {
      method: "POST",
      pattern: /^\/v1\/transfers\/([^/]+)\/reversals$/,
      handler: (m, p, req) => core.connect.createTransferReversal(id(m), p, req),
    },
    {
      method: "GET",
      pattern: /^\/v1\/transfers\/([^/]+)\/reversals$/,
      handler: (m) => core.connect.transferObject(store.transfer(id(m)))["reversals"] as StripeObject,
    },
    {
      method: "POST",
      pattern: /^\/v1\/application_fees\/([^/]+)\/refunds$/,
      handler: (m, p, req) => core.connect.createFeeRefund(id(m), p, req),
    },
    {
      method: "GET",
      pattern: /^\/v1\/application_fees\/([^/]+)\/refunds$/,
      handler: (m) => core.connect.applicationFeeObject(id(m))["refunds"] as StripeObject,
    },
    { method: "GET", pattern: /^\/v1\/transfers$/, handler: (_m, p) => core.connect.listTransfers(p) },
    {
      method: "GET",
      pattern: /^\/v1\/transfers\/([^/]+)$/,
      handler: (m, p) => core.expand(core.connect.transferObject(store.transfer(id(m))), expandList(p["expand"])),
    },
    {
      method: "GET",
      pattern: /^\/v1\/payouts\/([^/]+)$/,
      asAccount: true,
      handler: (m, _p, _r, account) => {
        if (!account) throw resourceMissing("payout", id(m), { path: "payout" });
        return core.connect.payoutObject(id(m), account);
      },
    },
  ];
}

function matchesType(type: string, pattern: string): boolean {
  if (!pattern.includes("*")) return type === pattern;
  const re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`);
  return re.test(type);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function createRequestHandler(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  const table = routes(ctx);
  return (req, res) => {
    handle(ctx, table, req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, { error: { type: "api_error", message: `Fake Stripe internal error: ${String(err)}` } });
      } else {
        res.destroy();
      }
    });
  };
}

async function handle(ctx: ServerContext, table: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://fake-stripe.invalid");
  const path = url.pathname;
  if (path.startsWith("/v1/")) return api(ctx, table, req, res, url);
  const method = req.method ?? "GET";
  if ((path === "/" || path === "/healthz") && method === "GET") {
    return sendJson(res, 200, { ok: true, sandbox: true, service: "fake-stripe" });
  }
  const page = /^\/checkout\/([^/]+)(?:\/(pay|cancel))?$/.exec(path);
  if (page) {
    const sessionId = decodeURIComponent(page[1]!);
    const action = page[2];
    if (!action && method === "GET") return checkoutPage(ctx, res, sessionId, url.searchParams);
    if (action === "pay" && method === "POST") return checkoutPay(ctx, req, res, sessionId);
    if (action === "cancel" && method === "GET") return checkoutCancel(ctx, res, sessionId);
  }
  const express = /^\/express\/[^/]+\/([^/]+)$/.exec(path);
  if (express && method === "GET") {
    const view = ctx.core.connect.openLoginLink(decodeURIComponent(express[1]!));
    if (view === null) return sendPage(res, 404, renderLinkNotFoundPage());
    if (view === "used") return sendPage(res, 410, renderLoginLinkUsedPage());
    return sendPage(res, 200, renderExpressPage(view));
  }
  const setup = /^\/setup\/[esc]\/[^/]+\/([^/]+)$/.exec(path);
  if (setup) {
    const token = decodeURIComponent(setup[1]!);
    if (method === "GET") return onboardingPage(ctx, res, token);
    if (method === "POST") return onboardingSubmit(ctx, req, res, token);
  }
  sendText(res, 404, "Not found");
}

// ---- API ---------------------------------------------------------------------------------------

async function api(ctx: ServerContext, table: Route[], req: IncomingMessage, res: ServerResponse, url: URL) {
  const method = (req.method ?? "GET").toUpperCase();
  const requestId = newId.request();
  const idempotencyKey = method === "POST" ? headerValue(req, "idempotency-key") : null;
  const entry: RequestLogEntry = {
    requestId,
    method,
    path: url.pathname,
    query: url.search,
    idempotencyKey,
    stripeVersion: headerValue(req, "stripe-version"),
    stripeAccount: headerValue(req, "stripe-account"),
    params: {},
    at: Date.now(),
    status: 0,
    replayed: false,
    fault: null,
  };
  ctx.log.push(entry);
  if (ctx.log.length > MAX_LOG_ENTRIES) ctx.log.splice(0, ctx.log.length - MAX_LOG_ENTRIES);
  const baseHeaders: Record<string, string> = {
    "Request-Id": requestId,
    "Stripe-Version": entry.stripeVersion ?? ctx.apiVersion,
  };
  if (idempotencyKey) baseHeaders["Idempotency-Key"] = idempotencyKey;
  const reply = (status: number, body: string, extra: Record<string, string> = {}) => {
    entry.status = status;
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, no-store",
      ...baseHeaders,
      ...extra,
    });
    res.end(body);
  };
  const replyError = (err: ApiError) => reply(err.status, JSON.stringify(err.toJSON(), null, 2), err.headers);

  let body: string;
  try {
    body = await readBody(req);
  } catch {
    return replyError(invalidParam("Request body too large."));
  }
  if (!authorized(req, ctx.secretKey)) {
    const auth = req.headers.authorization;
    return replyError(
      authenticationError(
        auth
          ? `Invalid API Key provided: ${redactKey(auth.replace(/^Bearer\s+/i, ""))}`
          : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      ),
    );
  }
  let params: FormObject;
  try {
    params = parseForm(method === "POST" ? body : url.search.slice(1));
  } catch (err) {
    if (err instanceof FormParseError) return replyError(invalidParam(err.message, err.param));
    throw err;
  }
  entry.params = params;

  const route = table.find((r) => r.method === method && r.pattern.test(url.pathname));
  if (!route) return replyError(unrecognizedUrl(method, url.pathname));

  if (idempotencyKey) {
    try {
      const begun = ctx.idempotency.begin(idempotencyKey, method, url.pathname, canonical(params));
      if (begun.kind === "replay") {
        entry.replayed = true;
        return reply(begun.response.status, begun.response.body, {
          "Idempotent-Replayed": "true",
          "Original-Request": begun.response.requestId,
        });
      }
    } catch (err) {
      if (err instanceof ApiError) return replyError(err);
      throw err;
    }
  }

  const fault = ctx.faults.take(method, url.pathname);
  try {
    if (fault) {
      entry.fault = describeFault(fault);
      if (fault.delayMs && !(await ctx.sleep(fault.delayMs))) {
        res.destroy();
        return;
      }
      if (fault.connectionReset) {
        if (idempotencyKey) ctx.idempotency.release(idempotencyKey);
        req.socket.destroy();
        return;
      }
      if (fault.idempotencyConflict) throw withHeaders(idempotencyInFlight(idempotencyKey ?? "(none)"), fault.headers);
      if (fault.status) throw withHeaders(apiError(fault.status, fault.message), fault.headers);
    }
    const m = url.pathname.match(route.pattern)!;
    const stripeAccount = entry.stripeAccount;
    if (stripeAccount) {
      ctx.core.connect.reachable(stripeAccount);
      if (!route.asAccount) {
        throw invalidParam(
          `The sandbox's fake Stripe does not support the Stripe-Account header on ${method} ${url.pathname}.`,
        );
      }
    }
    const result = route.handler(m, params, { id: requestId, idempotencyKey }, stripeAccount);
    const json = JSON.stringify(result, null, 2);
    if (idempotencyKey) ctx.idempotency.complete(idempotencyKey, { status: 200, body: json, requestId });
    reply(200, json);
  } catch (err) {
    const apiErr =
      err instanceof ApiError
        ? err
        : new ApiError(500, { type: "api_error", message: `Fake Stripe internal error: ${String(err)}` });
    if (idempotencyKey) {
      if (apiErr.saveForReplay) {
        ctx.idempotency.complete(idempotencyKey, {
          status: apiErr.status,
          body: JSON.stringify(apiErr.toJSON(), null, 2),
          requestId,
        });
      } else {
        ctx.idempotency.release(idempotencyKey);
      }
    }
    replyError(apiErr);
  }
}

function withHeaders(err: ApiError, headers: Record<string, string> | undefined): ApiError {
  if (headers) Object.assign(err.headers, headers);
  return err;
}

function describeFault(f: {
  delayMs?: number | undefined;
  status?: number | undefined;
  idempotencyConflict?: boolean | undefined;
  connectionReset?: boolean | undefined;
}): string {
  const parts: string[] = [];
  if (f.delayMs) parts.push(`delay ${f.delayMs}ms`);
  if (f.connectionReset) parts.push("connection reset");
  if (f.idempotencyConflict) parts.push("idempotency conflict");
  if (f.status) parts.push(`status ${f.status}`);
  return parts.join(", ") || "none";
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (Array.isArray(v)) return v[0] ?? null;
  return v ?? null;
}

function authorized(req: IncomingMessage, secretKey: string): boolean {
  const auth = req.headers.authorization;
  if (!auth) return false;
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
  if (bearer) return bearer[1] === secretKey;
  const basic = /^Basic\s+(\S+)$/i.exec(auth);
  if (basic) {
    // curl -u sk_test_…: the key is the user name, the password is empty.
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    return decoded.split(":")[0] === secretKey;
  }
  return false;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("body too large"));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body, null, 2));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(text);
}

// ---- hosted checkout page ------------------------------------------------------------------

const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  // Like Stripe Checkout, refuse to be framed: the widget must navigate the top window here.
  "Content-Security-Policy": `default-src 'none'; script-src ${SCRIPT_SOURCE}; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'`,
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
};

function sendPage(res: ServerResponse, status: number, html: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, PAGE_HEADERS);
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(303, { Location: location, "Cache-Control": "no-store" });
  res.end();
}

function checkoutPage(ctx: ServerContext, res: ServerResponse, sessionId: string, query: URLSearchParams): void {
  const s = ctx.core.store.sessions.get(sessionId);
  if (!s) {
    sendPage(res, 404, renderNotFoundPage(sessionId));
    return;
  }
  ctx.core.expireIfDue(s);
  sendPage(res, 200, renderCheckoutPage(s, { outcome: outcomeFromQuery(query) }));
}

async function checkoutPay(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, sessionId: string) {
  const s = ctx.core.store.sessions.get(sessionId);
  if (!s) return sendPage(res, 404, renderNotFoundPage(sessionId));
  let form: FormObject;
  try {
    form = parseForm(await readBody(req));
  } catch {
    return sendPage(res, 400, renderCheckoutPage(s, { error: "The form could not be read." }));
  }
  let outcome: Outcome;
  let email: string | null;
  try {
    outcome = optEnum(form["outcome"], "outcome", OUTCOMES) ?? "card";
    email = optString(form["email"], "email", 800);
  } catch {
    return sendPage(res, 400, renderCheckoutPage(s, { error: "Choose one of the payment outcomes." }));
  }
  if (s.status === "open" && !s.customerEmail && (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))) {
    return sendPage(res, 400, renderCheckoutPage(s, { outcome, error: "Enter a valid email address." }));
  }
  const opts: PayOptions = {
    async: outcome === "async_success" || outcome === "async_fail",
    fail: outcome === "decline" || outcome === "async_fail",
    ...(email ? { email } : {}),
  };
  try {
    const result = await ctx.core.pay(sessionId, opts);
    if (result.outcome === "declined" || !result.redirectUrl) {
      return sendPage(
        res,
        402,
        renderCheckoutPage(s, {
          outcome,
          error: "Your card was declined (sandbox). Choose another outcome to try again.",
        }),
      );
    }
    redirect(res, result.redirectUrl);
  } catch (err) {
    // A closed session shows its closed page; an open one that cannot be paid (its destination
    // account lost the transfers capability) says why.
    if (err instanceof ApiError) {
      return sendPage(
        res,
        409,
        renderCheckoutPage(s, { outcome, error: `This payment cannot be completed: ${err.message}` }),
      );
    }
    throw err;
  }
}

function checkoutCancel(ctx: ServerContext, res: ServerResponse, sessionId: string): void {
  if (!ctx.core.store.sessions.has(sessionId)) {
    sendPage(res, 404, renderNotFoundPage(sessionId));
    return;
  }
  const { cancelUrl } = ctx.core.abandon(sessionId);
  redirect(res, cancelUrl ?? `../${encodeURIComponent(sessionId)}`);
}

// ---- hosted Connect onboarding -------------------------------------------------------------

function onboardingPage(ctx: ServerContext, res: ServerResponse, token: string): void {
  const visit = ctx.core.connect.visitLink(token);
  if (!visit) sendPage(res, 404, renderLinkNotFoundPage());
  else if ("redirect" in visit) redirect(res, visit.redirect);
  else sendPage(res, 200, renderOnboardingPage(visit.page.link, visit.page.account));
}

async function onboardingSubmit(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, token: string) {
  let outcome: OnboardingOutcome;
  try {
    outcome = optEnum(parseForm(await readBody(req))["outcome"], "outcome", ONBOARDING_OUTCOMES) ?? "complete";
  } catch {
    return sendText(res, 400, "Choose one of the onboarding outcomes.");
  }
  const done = ctx.core.connect.submitLink(token, outcome);
  if (!done) return sendPage(res, 404, renderLinkNotFoundPage());
  redirect(res, done.redirect);
}
