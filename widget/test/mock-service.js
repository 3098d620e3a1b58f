// A small in-test stand-in for the booking service, served by web-test-runner as middleware.
//
// Each test picks a namespace and talks to `http://localhost:<port>/mock/<ns>` as its `api-base`,
// so test files can run side by side. Routes are set by POST /mock/<ns>/__setup with a JSON map
// `{"GET /v1/builders/liam/booking-config": response | [response, ...]}` where a response is
// `{status?, body?, delay?, headers?}`; a list answers in turn and then repeats its last entry. Every request
// to the namespace is logged; GET /mock/<ns>/__log returns the log.

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
      space.routes = JSON.parse(raw || "{}");
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
