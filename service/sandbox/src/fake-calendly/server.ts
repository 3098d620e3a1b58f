// The fake's HTTP server: one origin serving the scheduling pages (`/{user}/{event}`), the API
// (`/api/...`), the OAuth server (`/oauth/...`) and the sandbox backend (`/_sandbox/...`). Every
// request is logged and may be faulted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { FakeActions } from "./actions.js";
import { API_PREFIX, type ApiContext, callerOf, ERRORS, handleApi, rateLimitedHeaders } from "./api.js";
import type { ActiveFault, Faults } from "./faults.js";
import { holdAnswer, sendHtml, sendJson } from "./http.js";
import type { OAuthServer } from "./oauth.js";
import { handleOAuth, OAUTH_PREFIX } from "./oauth-routes.js";
import { handleSandbox, type SandboxControls } from "./sandbox-routes.js";
import {
  parsePageParams,
  renderCancellationPage,
  renderNotFoundPage,
  renderProfilePage,
  renderSchedulingPage,
  type SchedulingPageInput,
  SLOTS_PER_PAGE,
} from "./scheduling-page.js";

export interface RequestLogEntry {
  method: string;
  /** Pathname, e.g. "/api/scheduled_events/<uuid>/cancellation". */
  path: string;
  /** Query string including "?", or "". */
  search: string;
  /** Response status; null until the response has been sent. */
  status: number | null;
  /** Whether a fault answered or delayed this request. */
  faulted: boolean;
  at: string;
  /** API requests: URI of the user whose token the request carried (unset when it was refused as unauthenticated). */
  user?: string;
  /** API requests: which kind of token that was. */
  auth?: "personal_access_token" | "oauth";
}

/** Path segments that cannot be user slugs, because the fake serves something else there. */
export const RESERVED_SLUGS = new Set([
  "api",
  "oauth",
  ".well-known",
  "_sandbox",
  "cancellations",
  "reschedulings",
  "favicon.ico",
]);

export interface ServerDeps {
  actions: FakeActions;
  api: ApiContext;
  oauth: OAuthServer;
  controls: SandboxControls;
  faults: Faults;
  requests: RequestLogEntry[];
}

export class FakeServer {
  readonly server: Server;
  private readonly delays = new Set<{ timer: NodeJS.Timeout; resolve: (proceed: boolean) => void }>();
  private closing = false;
  private deps: ServerDeps | undefined;

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, ERRORS.server(500));
        else res.destroy();
      });
    });
  }

  attach(deps: ServerDeps): void {
    this.deps = deps;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const address = this.server.address();
        if (!address || typeof address === "string") reject(new Error("fake Calendly: no TCP address"));
        else resolve(address.port);
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.resolve(false);
    }
    this.delays.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private delay(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.delays.delete(entry);
          resolve(!this.closing);
        }, ms),
        resolve,
      };
      entry.timer.unref();
      this.delays.add(entry);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const deps = this.deps;
    if (!deps || this.closing) {
      sendJson(res, 503, ERRORS.server(503));
      return;
    }
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const entry: RequestLogEntry = {
      method,
      path: url.pathname,
      search: url.search,
      status: null,
      faulted: false,
      at: new Date().toISOString(),
    };
    deps.requests.push(entry);
    res.on("finish", () => {
      entry.status = res.statusCode;
    });

    const fault = deps.faults.take(method, url.pathname);
    if (fault && (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`))) {
      // A faulted API request is still logged as its token's user's, like one that was handled.
      const caller = callerOf(deps.api, req);
      if (caller) {
        entry.user = caller.host.uri;
        entry.auth = caller.auth;
      }
    }
    if (!fault) {
      await this.route(deps, req, res, url, entry);
      return;
    }
    entry.faulted = true;
    if (fault.after) {
      // The request takes effect; only its answer is held back, then sent late, replaced or lost.
      const held = holdAnswer(res);
      await this.route(deps, req, res, url, entry);
      held.release();
      if (!(await this.faultAnswered(deps, fault, res, url))) held.replay();
      return;
    }
    if (await this.faultAnswered(deps, fault, res, url)) return;
    await this.route(deps, req, res, url, entry);
  }

  /** Applies a fault's delay, drop or status. True when the fault answered (or dropped) the request. */
  private async faultAnswered(deps: ServerDeps, fault: ActiveFault, res: ServerResponse, url: URL): Promise<boolean> {
    if (fault.delayMs > 0) {
      const proceed = await this.delay(fault.delayMs);
      if (!proceed || res.destroyed) {
        res.destroy();
        return true;
      }
    }
    if (fault.drop) {
      res.destroy();
      return true;
    }
    if (fault.status === undefined) return false;
    const isApi = url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`);
    const isOAuth = url.pathname === OAUTH_PREFIX || url.pathname.startsWith(`${OAUTH_PREFIX}/`);
    if (isOAuth) {
      // The OAuth server answers in RFC 6749's shape, also when it is overloaded.
      const body =
        fault.status === 429
          ? { error: "too_many_requests", error_description: "Too many requests. Try again later." }
          : { error: "server_error", error_description: "The authorization server encountered an error." };
      sendJson(res, fault.status, body, fault.status === 429 ? { "retry-after": fault.resetSeconds } : {});
    } else if (fault.status === 429) {
      sendJson(res, 429, ERRORS.tooMany(), rateLimitedHeaders(deps.api.rateLimit.limit, fault.resetSeconds));
    } else {
      sendJson(res, fault.status, ERRORS.server(fault.status), isApi ? deps.api.rateLimit.headers() : {});
    }
    return true;
  }

  private async route(
    deps: ServerDeps,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: RequestLogEntry,
  ): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
      await handleApi(deps.api, req, res, url, entry);
      return;
    }
    if (await handleOAuth(deps.oauth, deps.actions.store, req, res, url)) return;
    if (await handleSandbox(deps.actions, deps.controls, req, res, url)) return;
    if (method !== "GET" && method !== "HEAD") {
      sendJson(res, 404, ERRORS.notFound());
      return;
    }
    this.page(deps, res, url);
  }

  private page(deps: ServerDeps, res: ServerResponse, url: URL): void {
    const store = deps.actions.store;
    let parts: string[];
    try {
      parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      sendHtml(res, 404, renderNotFoundPage());
      return;
    }
    const [first, second, third] = parts;

    if ((first === "cancellations" || first === "reschedulings") && second && !third) {
      const invitee = store.inviteeByUuid(second);
      const event = invitee && store.eventByUuid(invitee.eventUuid);
      const et = event && store.eventTypeByUuid(event.eventTypeUuid);
      const host = event && store.hostByUuid(event.hostUuid);
      if (!invitee || !event || !et || !host) {
        sendHtml(res, 404, renderNotFoundPage());
        return;
      }
      if (first === "cancellations") {
        sendHtml(res, 200, renderCancellationPage(host, et, event, invitee));
        return;
      }
      const params = parsePageParams(url.searchParams);
      const slots = store.offerSlots(et.uuid, SLOTS_PER_PAGE, params.date);
      sendHtml(res, 200, renderSchedulingPage({ host, eventType: et, slots, params, reschedule: { invitee, event } }));
      return;
    }

    if (first && !second) {
      const host = store.hostBySlug(first);
      if (!host) {
        sendHtml(res, 404, renderNotFoundPage());
        return;
      }
      sendHtml(
        res,
        200,
        renderProfilePage(host, store.eventTypesOf(host.uuid), url.searchParams, (et) => store.schedulingUrl(et)),
      );
      return;
    }

    if (first && second && parts.length <= 3) {
      const host = store.hostBySlug(first);
      const et = store.eventTypeBySlugs(first, second);
      // `/{user}/{event}/{start time}`: an available time's scheduling_url, that time picked.
      const picked = third === undefined ? undefined : new Date(third);
      if (!host || !et || (picked && !store.isAvailable(et.uuid, picked))) {
        sendHtml(res, 404, renderNotFoundPage());
        return;
      }
      const params = parsePageParams(url.searchParams);
      const slots = picked
        ? store.slotsBetween(et.uuid, picked, new Date(picked.getTime() + 31 * 86_400_000)).slice(0, SLOTS_PER_PAGE)
        : store.offerSlots(et.uuid, SLOTS_PER_PAGE, params.date);
      const input: SchedulingPageInput = { host, eventType: et, slots, params };
      if (picked) input.selected = picked;
      sendHtml(res, 200, renderSchedulingPage(input));
      return;
    }

    sendHtml(res, 404, renderNotFoundPage());
  }
}
