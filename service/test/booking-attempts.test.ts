// POST /v1/booking-attempts: the attempt id riding to Calendly, customer tokens, return URLs,
// and every way a body can be wrong.
import { SignJWT } from "jose";
import t from "tap";
import { buildTestApp } from "./helpers/app.js";

const membersSite = {
  name: "Members-only site",
  publishableKey: "pk_test_members",
  allowedOrigins: ["https://members.example"],
  returnUrlAllowlist: ["https://members.example/done"],
  requireCustomerToken: true,
  customerTokenSecret: "members-site-secret-0123456789abcdef",
};
const membersHeaders = { "x-baw-site-key": membersSite.publishableKey, origin: membersSite.allowedOrigins[0]! };

const h = await buildTestApp({ sites: [membersSite] });
t.teardown(h.close);

const liam = await h.db.prisma.builder.findUniqueOrThrow({ where: { slug: "liam" }, include: { sessionTypes: true } });
const liamSession = liam.sessionTypes[0]!;

const attempt = (payload: unknown, headers: Record<string, string> = h.siteHeaders) =>
  h.app.inject({ method: "POST", url: "/v1/booking-attempts", headers, payload: payload as object });

const attemptsStored = () => h.db.prisma.bookingAttempt.count();

t.test("success: an opaque attempt id that rides to Calendly as utm_content", async (t) => {
  const res = await attempt({ builder: "liam", sessionTypeId: liamSession.id });
  t.equal(res.statusCode, 201, res.body);
  const body = res.json();
  t.match(body.attemptId, /^att_[A-Za-z0-9_-]{20,}$/);
  const url = new URL(body.calendlyUrl);
  t.equal(url.origin, h.calendly.url, "the sandbox scheduling page");
  t.equal(url.pathname, "/liam-buildappswith/build-session");
  t.equal(url.searchParams.get("utm_content"), body.attemptId);
  t.notOk(url.searchParams.has("email"), "no prefill without a customer");
  const expires = Date.parse(body.expiresAt) - Date.now();
  t.ok(expires > 60 * 60 * 1000 && expires <= 2 * 60 * 60 * 1000, "lives for up to two hours");
  const stored = await h.db.prisma.bookingAttempt.findUniqueOrThrow({ where: { id: body.attemptId } });
  t.equal(stored.builderId, liam.id);
  t.equal(stored.sessionTypeId, liamSession.id);
  t.equal(stored.returnUrl, "https://market.example/book", "the site's first allowlisted page by default");
  t.not(body.attemptId, (await attempt({ builder: "liam" })).json().attemptId, "every attempt is new");
});

t.test("the only session type is chosen when none is named; a builder id works too", async (t) => {
  const res = await attempt({ builder: liam.id });
  t.equal(res.statusCode, 201, res.body);
  const stored = await h.db.prisma.bookingAttempt.findUniqueOrThrow({ where: { id: res.json().attemptId } });
  t.equal(stored.sessionTypeId, liamSession.id);
});

t.test("an allowlisted return page is kept", async (t) => {
  const res = await attempt({ builder: "liam", returnUrl: "https://market.example/book/liam?ref=profile" });
  t.equal(res.statusCode, 201, res.body);
  const stored = await h.db.prisma.bookingAttempt.findUniqueOrThrow({ where: { id: res.json().attemptId } });
  t.equal(stored.returnUrl, "https://market.example/book/liam?ref=profile");
});

t.test("open redirects are refused: 400 naming returnUrl, nothing stored", async (t) => {
  const before = await attemptsStored();
  for (const returnUrl of [
    "https://evil.example/book",
    "https://market.example.evil.com/book",
    "http://market.example/book",
    "https://user:pass@market.example/book",
    "https://market.example/admin",
    "https://market.example/bookmarks-of-someone-else",
    "javascript:alert(1)//https://market.example/book",
    "//evil.example/book",
  ]) {
    const res = await attempt({ builder: "liam", returnUrl });
    t.equal(res.statusCode, 400, `${returnUrl}: ${res.body}`);
    t.equal(res.json().field, "returnUrl", returnUrl);
    t.match(res.json().message, /returnUrl/);
  }
  t.equal(await attemptsStored(), before);
});

t.test("a demo builder cannot be booked: 409", async (t) => {
  const res = await attempt({ builder: "ada-fernandez" });
  t.equal(res.statusCode, 409);
  t.match(res.json(), { error: "builder_is_demo", message: /demo/ });
});

t.test("an unavailable builder: 409 with the reason; an unknown one: 404", async (t) => {
  await h.db.prisma.builder.update({ where: { id: liam.id }, data: { bookingEnabled: false } });
  t.teardown(() => h.db.prisma.builder.update({ where: { id: liam.id }, data: { bookingEnabled: true } }));
  const res = await attempt({ builder: "liam" });
  t.equal(res.statusCode, 409);
  t.match(res.json(), { error: "builder_unavailable", message: /not taking bookings/ });
  const unknown = await attempt({ builder: "nobody" });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error, "builder_not_found");
});

t.test("a session type that is not the builder's (or not active): 422 naming sessionTypeId", async (t) => {
  const demo = await h.db.prisma.sessionType.findFirstOrThrow({ where: { builder: { slug: "kenji-watanabe" } } });
  for (const sessionTypeId of ["7d0c1c52-4b3e-4c1a-9d7e-2f8e9a0b1c2d", demo.id]) {
    const res = await attempt({ builder: "liam", sessionTypeId });
    t.equal(res.statusCode, 422, res.body);
    t.match(res.json(), { error: "session_type_invalid", field: "sessionTypeId", message: /sessionTypeId/ });
  }
  await h.db.prisma.sessionType.update({ where: { id: liamSession.id }, data: { active: false } });
  t.teardown(() => h.db.prisma.sessionType.update({ where: { id: liamSession.id }, data: { active: true } }));
  const inactive = await attempt({ builder: "liam", sessionTypeId: liamSession.id });
  t.equal(inactive.statusCode, 409, "no active session type left: the builder is unavailable");
  t.equal(inactive.json().error, "builder_unavailable");
});

t.test("malformed bodies: 400 naming the field, nothing stored", async (t) => {
  const before = await attemptsStored();
  const cases: [unknown, string][] = [
    [{}, "builder"],
    [{ builder: 42 }, "builder"],
    [{ builder: "" }, "builder"],
    [{ builder: "liam<script>" }, "builder"],
    [{ builder: "liam", sessionTypeId: "not-a-uuid" }, "sessionTypeId"],
    [{ builder: "liam", returnUrl: "not a url" }, "returnUrl"],
    [{ builder: "liam", customerToken: 7 }, "customerToken"],
    [{ builder: "liam", price: 1 }, "price"],
    [{ builder: "liam", amount: 100, currency: "usd" }, "amount"],
    [[], "body"],
  ];
  for (const [payload, field] of cases) {
    const res = await attempt(payload);
    t.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
    t.equal(res.json().error, "validation_error");
    t.equal(res.json().field, field, JSON.stringify(payload));
    t.match(res.json().message, field, `the message names ${field}`);
  }
  const notJson = await h.app.inject({
    method: "POST",
    url: "/v1/booking-attempts",
    headers: { ...h.siteHeaders, "content-type": "application/json" },
    payload: "{builder: liam",
  });
  t.equal(notJson.statusCode, 400);
  t.match(notJson.json().message, /not valid JSON/);
  const form = await h.app.inject({
    method: "POST",
    url: "/v1/booking-attempts",
    headers: { ...h.siteHeaders, "content-type": "application/x-www-form-urlencoded" },
    payload: "builder=liam",
  });
  t.equal(form.statusCode, 415, "JSON only");
  t.match(form.json().message, /content-type/);
  t.equal(await attemptsStored(), before);
});

t.test("the embedding site is checked: key and origin", async (t) => {
  const noKey = await attempt({ builder: "liam" }, { origin: "https://market.example" });
  t.equal(noKey.statusCode, 401);
  t.equal(noKey.json().error, "site_key_required");
  const serverNoKey = await attempt({ builder: "liam" }, {});
  t.equal(serverNoKey.statusCode, 401, "attempts always need a site key");
  const unknown = await attempt({ builder: "liam" }, { ...h.siteHeaders, "x-baw-site-key": "pk_test_unknown" });
  t.equal(unknown.statusCode, 403);
  t.equal(unknown.json().error, "unknown_site_key");
  const foreign = await attempt({ builder: "liam" }, { ...h.siteHeaders, origin: "https://members.example" });
  t.equal(foreign.statusCode, 403, "another site's origin");
  t.equal(foreign.json().error, "origin_not_allowed");
});

t.test("a site that requires signed-in customers", async (t) => {
  const secret = new TextEncoder().encode(membersSite.customerTokenSecret);
  const now = Math.floor(Date.now() / 1000);
  const sign = (
    claims: Record<string, unknown>,
    opts: { key?: Uint8Array; alg?: string; iat?: number; exp?: number } = {},
  ) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? "HS256" });
    if (opts.iat !== undefined) jwt.setIssuedAt(opts.iat);
    if (opts.exp !== undefined) jwt.setExpirationTime(opts.exp);
    return jwt.sign(opts.key ?? secret);
  };
  const customer = { sub: "cust_42", email: "grace.customer@example.com", name: "Grace Customer" };

  t.test("the config tells the widget", async (t) => {
    const res = await h.app.inject({ url: "/v1/builders/liam/booking-config", headers: membersHeaders });
    t.equal(res.statusCode, 200);
    t.equal(res.json().requiresCustomer, true);
  });

  t.test("no token: 401 customer_token_required", async (t) => {
    const res = await attempt({ builder: "liam" }, membersHeaders);
    t.equal(res.statusCode, 401);
    t.match(res.json(), { error: "customer_token_required", message: /customerToken/ });
  });

  t.test("invalid, expired, wrongly signed or unbounded tokens: 401 customer_token_invalid", async (t) => {
    const before = await attemptsStored();
    const cases: [string, string][] = [
      ["garbage", "not.a.jwt"],
      [
        "wrong secret",
        await sign(customer, {
          key: new TextEncoder().encode("another-secret-0123456789abcdef!!"),
          iat: now,
          exp: now + 600,
        }),
      ],
      ["expired", await sign(customer, { iat: now - 1200, exp: now - 600 })],
      ["no subject", await sign({ email: customer.email }, { iat: now, exp: now + 600 })],
      ["no expiry", await sign(customer, { iat: now })],
      ["lives longer than an hour", await sign(customer, { iat: now, exp: now + 3 * 3600 })],
      ["no iat and a far expiry", await sign(customer, { exp: now + 365 * 24 * 3600 })],
      ["another algorithm", await sign(customer, { alg: "HS512", iat: now, exp: now + 600 })],
    ];
    for (const [what, customerToken] of cases) {
      const res = await attempt({ builder: "liam", customerToken }, membersHeaders);
      t.equal(res.statusCode, 401, `${what}: ${res.body}`);
      t.equal(res.json().error, "customer_token_invalid", what);
      t.match(res.json().message, /customerToken/);
      t.notMatch(res.body, customerToken, "the token is not echoed");
    }
    const expired = await attempt(
      { builder: "liam", customerToken: await sign(customer, { iat: now - 1200, exp: now - 600 }) },
      membersHeaders,
    );
    t.match(expired.json().message, /expired/);
    t.equal(await attemptsStored(), before, "nothing stored");
  });

  t.test("a valid HS256 token: the visitor's name and email are prefilled", async (t) => {
    const customerToken = await sign(customer, { iat: now, exp: now + 600 });
    const res = await attempt(
      { builder: "liam", customerToken, returnUrl: "https://members.example/done?x=1" },
      membersHeaders,
    );
    t.equal(res.statusCode, 201, res.body);
    const url = new URL(res.json().calendlyUrl);
    t.equal(url.searchParams.get("name"), "Grace Customer");
    t.equal(url.searchParams.get("email"), "grace.customer@example.com");
    t.equal(url.searchParams.get("utm_content"), res.json().attemptId);
    const stored = await h.db.prisma.bookingAttempt.findUniqueOrThrow({ where: { id: res.json().attemptId } });
    t.match(stored, { customerRef: "cust_42", customerEmail: customer.email, customerName: customer.name });
    t.equal(stored.returnUrl, "https://members.example/done?x=1");
  });

  t.test("a site that does not require customers still checks a token it is given", async (t) => {
    const res = await attempt({ builder: "liam", customerToken: "not.a.jwt" });
    t.equal(res.statusCode, 400, "the test site has no way to verify tokens");
    t.equal(res.json().error, "customer_tokens_not_configured");
  });
});

t.test("audience and issuer: enforced when the site names them", async (t) => {
  const secret = new TextEncoder().encode(membersSite.customerTokenSecret);
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT({ sub: "cust_7", ...claims })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(secret);
  await h.db.prisma.site.update({
    where: { publishableKey: membersSite.publishableKey },
    data: { customerTokenAudience: "booking.members.example", customerTokenIssuer: "https://members.example" },
  });
  h.app.sites.invalidate();
  t.teardown(async () => {
    await h.db.prisma.site.update({
      where: { publishableKey: membersSite.publishableKey },
      data: { customerTokenAudience: null, customerTokenIssuer: null },
    });
    h.app.sites.invalidate();
  });
  const cases: [string, Record<string, unknown>, number, RegExp?][] = [
    ["no aud or iss", {}, 401, /customerToken: /],
    ["another audience", { aud: "other-app", iss: "https://members.example" }, 401, /another audience/],
    ["another issuer", { aud: "booking.members.example", iss: "https://evil.example" }, 401, /another issuer/],
    ["the right audience and issuer", { aud: "booking.members.example", iss: "https://members.example" }, 201],
    ["the audience among others", { aud: ["x", "booking.members.example"], iss: "https://members.example" }, 201],
  ];
  for (const [what, claims, status, message] of cases) {
    const res = await attempt({ builder: "liam", customerToken: await sign(claims) }, membersHeaders);
    t.equal(res.statusCode, status, `${what}: ${res.body}`);
    if (message) t.match(res.json(), { error: "customer_token_invalid", message }, what);
  }
});

t.test("tokens verified through a site's JWKS: rotation and an unreachable key set", async (t) => {
  const { createServer } = await import("node:http");
  const { exportJWK, generateKeyPair } = await import("jose");
  const { jwksSettings } = await import("../src/domain/customer-token.js");
  // A rotation refetches the set at once here; the service waits its cooldown between refetches.
  const cooldown = jwksSettings.cooldownMs;
  jwksSettings.cooldownMs = 0;
  t.teardown(() => {
    jwksSettings.cooldownMs = cooldown;
  });

  const keyPair = async (kid: string) => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
  };
  const first = await keyPair("key-2025");
  const second = await keyPair("key-2026");
  let published = [first.jwk];
  let fetches = 0;
  let failing = false;
  const server = createServer((_req, res) => {
    fetches++;
    if (failing) return res.writeHead(500).end("down");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  const jwksSite = {
    name: "SSO site",
    publishableKey: "pk_test_sso",
    allowedOrigins: ["https://sso.example"],
    returnUrlAllowlist: ["https://sso.example/done"],
    requireCustomerToken: true,
  };
  await h.db.prisma.site.create({
    data: {
      ...jwksSite,
      customerTokenJwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      customerTokenAudience: "baw-booking",
      customerTokenIssuer: "https://idp.example",
    },
  });
  const ssoHeaders = { "x-baw-site-key": jwksSite.publishableKey, origin: jwksSite.allowedOrigins[0]! };
  const now = Math.floor(Date.now() / 1000);
  const sign = (key: Awaited<ReturnType<typeof keyPair>>, claims: Record<string, unknown> = {}) =>
    new SignJWT({ sub: "sso_user", aud: "baw-booking", iss: "https://idp.example", ...claims })
      .setProtectedHeader({ alg: "ES256", kid: key.kid })
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(key.privateKey);
  const ssoAttempt = async (customerToken: string) => attempt({ builder: "liam", customerToken }, ssoHeaders);

  const ok = await ssoAttempt(await sign(first));
  t.equal(ok.statusCode, 201, `a token signed by the published key: ${ok.body}`);
  const otherAudience = await ssoAttempt(await sign(first, { aud: "another-app" }));
  t.equal(otherAudience.statusCode, 401, "a token the same identity provider issued for another app");
  t.match(otherAudience.json().message, /another audience/);

  // The identity provider rotates: the new key is published, the old one withdrawn.
  published = [second.jwk];
  const fetchesBefore = fetches;
  const rotated = await ssoAttempt(await sign(second));
  t.equal(rotated.statusCode, 201, `a token signed by the new key: ${rotated.body}`);
  t.ok(fetches > fetchesBefore, "the unknown key made the service fetch the set again");
  const withdrawn = await ssoAttempt(await sign(first));
  t.equal(withdrawn.statusCode, 401, "a token signed by the withdrawn key");
  t.match(withdrawn.json(), { error: "customer_token_invalid", message: /key the site's JWKS does not publish/ });

  // The key set cannot be fetched: a retryable 503, not a 401 that blames the visitor's token.
  const unknownKey = await keyPair("key-2027");
  failing = true;
  const down = await ssoAttempt(await sign(unknownKey));
  t.equal(down.statusCode, 503, down.body);
  t.match(down.json(), { error: "customer_token_keys_unavailable", retryable: true, message: /JWKS/ });

  await h.db.prisma.site.update({
    where: { publishableKey: jwksSite.publishableKey },
    data: { customerTokenJwksUrl: "http://127.0.0.1:1/jwks.json" },
  });
  h.app.sites.invalidate();
  const unreachable = await ssoAttempt(await sign(first));
  t.equal(unreachable.statusCode, 503, `an unreachable JWKS URL: ${unreachable.body}`);
  t.equal(unreachable.json().error, "customer_token_keys_unavailable");

  await h.db.prisma.site.update({
    where: { publishableKey: jwksSite.publishableKey },
    data: { customerTokenAudience: null },
  });
  h.app.sites.invalidate();
  const noAudience = await ssoAttempt(await sign(first));
  t.equal(noAudience.statusCode, 400, "a JWKS site must name the audience it expects");
  t.match(noAudience.json(), { error: "customer_tokens_not_configured", message: /audience/ });
});
