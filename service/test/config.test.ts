import { execFile } from "node:child_process";
import { promisify } from "node:util";
import t from "tap";
import { type ConfigError, loadConfig } from "../src/config.js";

const run = promisify(execFile);

const credentials = {
  STRIPE_SECRET_KEY: "sk_test_abc123",
  STRIPE_WEBHOOK_SECRET: "whsec_abc",
  CALENDLY_TOKEN: "eyJ.token",
  CALENDLY_WEBHOOK_SIGNING_KEY: "key",
};
const secret = { BOOKING_TOKEN_SECRET: "s".repeat(40) };
/** Where a sandbox's fakes run (`npm run sandbox` prints these). */
const sandboxUrls = {
  STRIPE_API_BASE: "http://127.0.0.1:4242",
  CALENDLY_API_BASE: "http://127.0.0.1:4243/api",
  CALENDLY_ORIGIN: "http://127.0.0.1:4243",
};

function problems(env: NodeJS.ProcessEnv, options?: Parameters<typeof loadConfig>[1]): string[] {
  try {
    loadConfig(env, options);
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
}

t.test("sandbox mode, chosen explicitly: PGlite, fakes for both providers, port 3000", async (t) => {
  const c = loadConfig({ PROVIDER_MODE: "sandbox", ...sandboxUrls });
  t.equal(c.providerMode, "sandbox");
  t.equal(c.port, 3000);
  t.equal(c.database.kind, "pglite");
  t.ok(c.stripe.sandbox && c.calendly.sandbox);
  t.equal(c.holdSeconds, 2100, "35 minutes: Stripe's 30-minute minimum plus room to retry");
  t.equal(c.stripe.apiBase, sandboxUrls.STRIPE_API_BASE, "the service talks to the fakes where they run");
  t.equal(c.calendly.apiBase, sandboxUrls.CALENDLY_API_BASE);
  t.equal(c.calendly.origin, sandboxUrls.CALENDLY_ORIGIN);
});

t.test("the sandbox is never started by the service: its URLs are required, each by name", async (t) => {
  t.match(problems({ PROVIDER_MODE: "sandbox" }), [
    /^STRIPE_API_BASE is required with PROVIDER_MODE=sandbox and no Stripe key/,
    /^CALENDLY_API_BASE is required with PROVIDER_MODE=sandbox and no Calendly token/,
    /^CALENDLY_ORIGIN is required with PROVIDER_MODE=sandbox and no Calendly token/,
  ]);
  const { CALENDLY_ORIGIN: _origin, ...noOrigin } = sandboxUrls;
  t.match(problems({ PROVIDER_MODE: "sandbox", ...noOrigin }), [/^CALENDLY_ORIGIN is required/]);
  // A real Calendly account beside a sandboxed Stripe needs only the fake Stripe's URL.
  t.same(
    problems({
      PROVIDER_MODE: "sandbox",
      STRIPE_API_BASE: sandboxUrls.STRIPE_API_BASE,
      CALENDLY_TOKEN: "eyJ.token",
      CALENDLY_WEBHOOK_SIGNING_KEY: "key",
      ...secret,
    }),
    [],
  );
  const live = loadConfig({ PROVIDER_MODE: "live", ...credentials, ...secret });
  t.equal(live.calendly.apiBase, "https://api.calendly.com", "live Calendly by default");
  t.equal(live.calendly.origin, "https://calendly.com");
});

t.test("live mode with every credential: no provider is simulated", async (t) => {
  const c = loadConfig({
    PROVIDER_MODE: "live",
    ...credentials,
    ...secret,
    DATABASE_URL: "postgres://u@db.example:5432/baw",
  });
  t.equal(c.providerMode, "live");
  t.notOk(c.stripe.sandbox);
  t.notOk(c.calendly.sandbox);
  t.same(c.database, { kind: "postgres", url: "postgres://u@db.example:5432/baw" });
});

t.test("no credentials never quietly means the sandbox", async (t) => {
  t.same(
    problems({}),
    [
      "STRIPE_SECRET_KEY is required: PROVIDER_MODE is unset, which means live (PROVIDER_MODE=sandbox uses the sandbox's fakes)",
      "STRIPE_WEBHOOK_SECRET is required: PROVIDER_MODE is unset, which means live (PROVIDER_MODE=sandbox uses the sandbox's fakes)",
      "CALENDLY_TOKEN is required: PROVIDER_MODE is unset, which means live (PROVIDER_MODE=sandbox uses the sandbox's fakes)",
      "CALENDLY_WEBHOOK_SIGNING_KEY is required: PROVIDER_MODE is unset, which means live (PROVIDER_MODE=sandbox uses the sandbox's fakes)",
      "BOOKING_TOKEN_SECRET is required with real provider credentials",
    ],
    "unset means live, and live needs every credential",
  );
  // A typo in one variable's name is enough to lose it: production names exactly what is missing.
  const { CALENDLY_TOKEN: _lost, ...typo } = credentials;
  t.same(problems({ NODE_ENV: "production", ...typo, CALENDLY_TOKNE: "eyJ.token", ...secret }), [
    "CALENDLY_TOKEN is required: PROVIDER_MODE is unset, which means live (PROVIDER_MODE=sandbox uses the sandbox's fakes)",
  ]);
  t.same(problems({ NODE_ENV: "production", PROVIDER_MODE: "live", ...secret }).length, 4);
  t.match(problems({ NODE_ENV: "production", PROVIDER_MODE: "sandbox", ...sandboxUrls, ...secret }), [
    /^PROVIDER_MODE must be live in production/,
  ]);
  t.match(problems({ PROVIDER_MODE: "fake" }), [/^PROVIDER_MODE must be sandbox or live/]);
});

t.test("any real credential needs a real booking-token secret, whatever NODE_ENV says", async (t) => {
  for (const nodeEnv of ["development", "test"]) {
    t.same(problems({ NODE_ENV: nodeEnv, PROVIDER_MODE: "live", ...credentials }), [
      "BOOKING_TOKEN_SECRET is required with real provider credentials",
    ]);
    t.same(
      problems({
        NODE_ENV: nodeEnv,
        PROVIDER_MODE: "sandbox",
        ...sandboxUrls,
        STRIPE_SECRET_KEY: "sk_live_abc",
        STRIPE_WEBHOOK_SECRET: "whsec_abc",
      }),
      ["BOOKING_TOKEN_SECRET is required with real provider credentials"],
      "a live Stripe key in a partly simulated set-up too",
    );
  }
  t.equal(
    loadConfig({ PROVIDER_MODE: "live", ...credentials, ...secret }).bookingTokenSecret,
    secret.BOOKING_TOKEN_SECRET,
  );
  t.same(
    problems({ PROVIDER_MODE: "sandbox", ...sandboxUrls }),
    [],
    "the all-fake sandbox may use the development secret",
  );
});

t.test("tools that never call a provider load the configuration without provider credentials", async (t) => {
  const c = loadConfig({ DATABASE_URL: "postgres://u@db.example:5432/baw" }, { providers: false });
  t.equal(c.database.kind, "postgres");
  t.notOk(c.stripe.sandbox, "and they do not pretend to be the sandbox");
  t.equal(c.stripe.secretKey, "");
});

t.test("each problem is named by its variable", async (t) => {
  const sandbox = { PROVIDER_MODE: "sandbox", ...sandboxUrls, ...secret };
  t.match(problems({ ...sandbox, STRIPE_SECRET_KEY: "sk_test_abc" }), [
    /^STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set/,
  ]);
  t.match(problems({ ...sandbox, CALENDLY_TOKEN: "x" }), [/^CALENDLY_WEBHOOK_SIGNING_KEY is required/]);
  t.match(problems({ DATABASE_URL: "mysql://nope" }), [/^DATABASE_URL must be a postgres/]);
  t.match(problems({ PORT: "70000" }), [/^PORT /]);
  t.match(problems({ STRIPE_SECRET_KEY: "pk_live_x", STRIPE_WEBHOOK_SECRET: "whsec_x" }), [
    /^STRIPE_SECRET_KEY must look like sk_test_/,
  ]);
  t.equal(problems({ PORT: "abc", DATABASE_URL: "nope" }).length, 2, "all problems at once");
});

t.test("the server exits non-zero with one readable line per problem", async (t) => {
  const cwd = new URL("..", import.meta.url).pathname;
  const env = { PATH: process.env.PATH, STRIPE_SECRET_KEY: "pk_test_abc", DATABASE_URL: "not-a-url" };
  const result = await run(process.execPath, ["--import", "tsx", "src/server.ts"], { cwd, env }).then(
    () => ({ code: 0, stderr: "" }),
    (e: { code: number; stderr: string }) => e,
  );
  t.equal(result.code, 1);
  const lines = result.stderr
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("config error:"));
  t.equal(lines.length, 2, result.stderr);
  t.notMatch(result.stderr, /^\s+at /m, "no stack trace");
});

t.test("production without credentials refuses to start, one line per missing credential", async (t) => {
  const cwd = new URL("..", import.meta.url).pathname;
  const env = { PATH: process.env.PATH, NODE_ENV: "production", ...secret, PGLITE_DIR: "memory://" };
  const result = await run(process.execPath, ["--import", "tsx", "src/server.ts"], { cwd, env }).then(
    () => ({ code: 0, stderr: "" }),
    (e: { code: number; stderr: string }) => e,
  );
  t.equal(result.code, 1, "no fake payments: the service does not start");
  const lines = result.stderr.trim().split("\n");
  t.same(
    lines.map((l) => l.replace(/ is required.*/, "")),
    [
      "config error: STRIPE_SECRET_KEY",
      "config error: STRIPE_WEBHOOK_SECRET",
      "config error: CALENDLY_TOKEN",
      "config error: CALENDLY_WEBHOOK_SIGNING_KEY",
    ],
    result.stderr,
  );
});

t.test("load shedding's memory limits: production defaults, 0 turns each off, nonsense refused", async (t) => {
  const c = loadConfig({ PROVIDER_MODE: "sandbox", ...sandboxUrls });
  t.equal(c.maxHeapUsedBytes, 1_500_000_000);
  t.equal(c.maxRssBytes, 2_000_000_000);
  const off = loadConfig({ PROVIDER_MODE: "sandbox", ...sandboxUrls, MAX_HEAP_USED_BYTES: "0", MAX_RSS_BYTES: "0" });
  t.same([off.maxHeapUsedBytes, off.maxRssBytes], [0, 0]);
  t.match(problems({ PROVIDER_MODE: "sandbox", ...sandboxUrls, MAX_RSS_BYTES: "-1" }).join("\n"), /MAX_RSS_BYTES/);
  t.match(
    problems({ PROVIDER_MODE: "sandbox", ...sandboxUrls, MAX_HEAP_USED_BYTES: "lots" }).join("\n"),
    /MAX_HEAP_USED_BYTES/,
  );
});
