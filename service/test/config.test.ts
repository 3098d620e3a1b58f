import { execFile } from "node:child_process";
import { promisify } from "node:util";
import t from "tap";
import { type ConfigError, loadConfig } from "../src/config.js";

const run = promisify(execFile);

t.test("defaults: PGlite, sandbox for both providers, port 3000", async (t) => {
  const c = loadConfig({});
  t.equal(c.port, 3000);
  t.equal(c.database.kind, "pglite");
  t.ok(c.stripe.sandbox && c.calendly.sandbox);
  t.equal(c.holdSeconds, 2100, "35 minutes: Stripe's 30-minute minimum plus room to retry");
});

t.test("real credentials switch the providers off sandbox", async (t) => {
  const c = loadConfig({
    STRIPE_SECRET_KEY: "sk_test_abc123",
    STRIPE_WEBHOOK_SECRET: "whsec_abc",
    CALENDLY_TOKEN: "eyJ.token",
    CALENDLY_WEBHOOK_SIGNING_KEY: "key",
    DATABASE_URL: "postgres://u@db.example:5432/baw",
  });
  t.notOk(c.stripe.sandbox);
  t.notOk(c.calendly.sandbox);
  t.same(c.database, { kind: "postgres", url: "postgres://u@db.example:5432/baw" });
});

t.test("each problem is named by its variable", async (t) => {
  const problems = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };
  t.match(problems({ STRIPE_SECRET_KEY: "sk_test_abc" }), [
    /^STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set/,
  ]);
  t.match(problems({ CALENDLY_TOKEN: "x" }), [/^CALENDLY_WEBHOOK_SIGNING_KEY is required/]);
  t.match(problems({ DATABASE_URL: "mysql://nope" }), [/^DATABASE_URL must be a postgres/]);
  t.match(problems({ PORT: "70000" }), [/^PORT /]);
  t.match(problems({ STRIPE_SECRET_KEY: "pk_live_x", STRIPE_WEBHOOK_SECRET: "whsec_x" }), [
    /^STRIPE_SECRET_KEY must look like sk_test_/,
  ]);
  t.equal(problems({ PORT: "abc", DATABASE_URL: "nope" }).length, 2, "all problems at once");
});

t.test("the server exits non-zero with one readable line per problem", async (t) => {
  const cwd = new URL("..", import.meta.url).pathname;
  const env = { PATH: process.env.PATH, STRIPE_SECRET_KEY: "sk_test_abc", DATABASE_URL: "not-a-url" };
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
