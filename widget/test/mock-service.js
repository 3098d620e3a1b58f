// A small in-test stand-in for the booking service, served by web-test-runner as middleware.
//
// Each test picks a namespace and talks to `http://localhost:<port>/mock/<ns>` as its `api-base`,
// so test files can run side by side. Routes are set by POST /mock/<ns>/__setup with a JSON map
// `{"GET /v1/builders/liam/booking-config": response | [response, ...]}` where a response is
// `{status?, body?, delay?, headers?, malformed?}`; a list answers in turn and then repeats its last entry.
// Every request to the namespace is logged; GET /mock/<ns>/__log returns the log.
//
// Every answer set up for one of the service's routes must be one the service can give: the setup
// is refused (400, naming the route and the field) unless the path is one the service accepts and
// the body parses as the service's contract (service/src/contract) for that route and status.
// `malformed: true` marks an answer a test sends on purpose to see the element refuse it.

import { tsImport } from "tsx/esm/api";

const contract = await tsImport("../../service/src/contract/index.ts", import.meta.url);

const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/** The service's widget routes: their paths and, by status, the contract schema each answers with. */
const serviceRoutes = [
  {
    method: "GET",
    route: /^\/v1\/builders\/[^/]+\/booking-config$/,
    path: /^\/v1\/builders\/[A-Za-z0-9][A-Za-z0-9_-]{0,99}\/booking-config$/,
    answers: { 200: contract.BookingConfigSchema, 304: null },
  },
  {
    method: "POST",
    route: /^\/v1\/booking-attempts$/,
    path: /^\/v1\/booking-attempts$/,
    answers: { 201: contract.BookingAttemptSchema },
  },
  {
    method: "POST",
    route: /^\/v1\/bookings$/,
    path: /^\/v1\/bookings$/,
    answers: { 200: contract.BookingCreatedSchema, 201: contract.BookingCreatedSchema },
  },
  {
    method: "GET",
    route: /^\/v1\/bookings\/by-checkout-session\/[^/]+$/,
    path: /^\/v1\/bookings\/by-checkout-session\/cs_[A-Za-z0-9_]{8,200}$/,
    answers: { 200: contract.PublicBookingSchema },
  },
  {
    method: "GET",
    route: /^\/v1\/builders\/[^/]+\/available-times$/,
    path: /^\/v1\/builders\/[A-Za-z0-9][A-Za-z0-9_-]{0,99}\/available-times$/,
    answers: { 200: contract.AvailableTimesSchema },
  },
  {
    method: "POST",
    route: /^\/v1\/reservations$/,
    path: /^\/v1\/reservations$/,
    answers: { 201: contract.BookingCreatedSchema },
  },
  {
    method: "POST",
    route: /^\/v1\/bookings\/[^/]+\/rebook$/,
    path: new RegExp(`^/v1/bookings/${UUID}/rebook$`),
    answers: { 200: contract.PublicBookingSchema },
  },
  {
    method: "GET",
    route: /^\/v1\/bookings\/[^/]+$/,
    path: new RegExp(`^/v1/bookings/${UUID}$`),
    answers: { 200: contract.PublicBookingSchema },
  },
];

/** Why the service could not give `answer` for `key` ("GET /v1/…"), or null when it could. */
export function contractViolation(key, answer) {
  if (answer.malformed) return null;
  const [method, path] = key.split(" ");
  const served = serviceRoutes.find((r) => r.method === method && r.route.test(path));
  if (!served) return null; // not the service's (a stand-in page, say)
  if (!served.path.test(path)) return `${key}: the service refuses this path (its ids are UUIDs)`;
  const status = answer.status ?? 200;
  const schema = status >= 400 ? contract.ErrorSchema : served.answers[status];
  if (schema === undefined) return `${key}: the service never answers ${status}`;
  if (schema === null) return null;
  const parsed = schema.safeParse(answer.body ?? {});
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return `${key} ${status}: ${issue.path.join(".") || "the body"}: ${issue.message}`;
}

const spaces = new Map();

const readBody = (req) =>
  new Promise((resolve) => {
    let data = "";
    req.on("data", (c) => {
      data += c;
    });
    req.on("end", () => resolve(data));
  });

const json = (ctx, status, body) => {
  ctx.status = status;
  ctx.type = "application/json";
  ctx.body = JSON.stringify(body);
};

export function mockService() {
  return async function mockServiceMiddleware(ctx, next) {
    const m = /^\/mock\/([\w-]+)(\/.*)$/.exec(ctx.path);
    if (!m) return next();
    const [, ns, path] = m;
    if (!spaces.has(ns)) spaces.set(ns, { routes: {}, served: {}, log: [] });
    const space = spaces.get(ns);
    const raw = await readBody(ctx.req);

    if (path === "/__setup") {
      const routes = JSON.parse(raw || "{}");
      for (const [key, answers] of Object.entries(routes)) {
        for (const answer of [answers].flat()) {
          const violation = contractViolation(key, answer);
          if (violation) return json(ctx, 400, { error: "not_the_contract", message: violation });
        }
      }
      space.routes = routes;
      space.served = {};
      space.log = [];
      return json(ctx, 200, { ok: true });
    }
    if (path === "/__log") return json(ctx, 200, space.log);

    let body = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    space.log.push({
      method: ctx.method,
      path,
      query: ctx.querystring,
      siteKey: ctx.get("x-baw-site-key") || null,
      authorization: ctx.get("authorization") || null,
      contentType: ctx.get("content-type") || null,
      body,
    });

    const key = `${ctx.method} ${path}`;
    let route = space.routes[key];
    if (Array.isArray(route)) {
      const i = space.served[key] ?? 0;
      space.served[key] = i + 1;
      route = route[Math.min(i, route.length - 1)];
    }
    if (!route) {
      return json(ctx, 404, { statusCode: 404, error: "not_found", message: `The mock has no route for ${key}.` });
    }
    if (route.delay) await new Promise((r) => setTimeout(r, route.delay));
    if (route.headers) ctx.set(route.headers);
    return json(ctx, route.status ?? 200, route.body ?? {});
  };
}
