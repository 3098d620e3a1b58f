// The admin CLI against a PGlite directory in a temp folder: in this process, and as real processes
// beside a running service.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startSandbox } from "@baw/sandbox";
import Fastify from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import t from "tap";
import { main } from "../src/cli/admin.js";
import { serveAdminChannel } from "../src/cli/admin-channel-server.js";
import { sandboxEventTypes } from "../src/cli/local-sandbox.js";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/database.js";
import { ownerFile } from "../src/db/embedded-owner.js";
import { parsePartnerKey, verifyPartnerKey } from "../src/domain/partner-keys.js";
import { AppError } from "../src/lib/errors.js";
import { sha256 } from "../src/lib/ids.js";
import database from "../src/plugins/database.js";
import errorHandler from "../src/plugins/error-handler.js";
import metrics from "../src/plugins/metrics.js";
import partnerRoutes from "../src/routes/partner.js";

const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let dir: string;
let env: NodeJS.ProcessEnv;

t.before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "baw-admin-"));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PGLITE_DIR: path.join(dir, "db"),
    LOG_LEVEL: "silent",
    PROVIDER_MODE: "sandbox",
    // Where a sandbox would run: the commands never call a provider (the running service gets a real one).
    STRIPE_API_BASE: "http://127.0.0.1:4242",
    CALENDLY_API_BASE: "http://127.0.0.1:4243/api",
    CALENDLY_ORIGIN: "http://127.0.0.1:4243",
  };
});
t.teardown(async () => rm(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function admin(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/admin.ts", ...args],
      { cwd: serviceDir, env, timeout: 110_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the CLI in this process (argument errors never reach the database). */
async function adminInProcess(...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.map((l) => `${l}\n`).join("") };
}

t.test("bad usage exits 2 with one line naming the flag", async (t) => {
  const site = [
    "sites",
    "create",
    "--name",
    "S",
    "--origin",
    "https://a.example",
    "--return-url",
    "https://a.example/b",
  ];
  const cases: [string[], RegExp][] = [
    [
      ["sites", "create", "--name", "S", "--origin", "https://a.example/path", "--return-url", "https://a.example/b"],
      /^admin: --origin: .*bare origin/,
    ],
    [
      ["sites", "create", "--name", "S", "--origin", "https://a.example", "--return-url", "https://b.example/b"],
      /^admin: --return-url: .*origins/,
    ],
    [
      ["sites", "create", "--name", "S", "--origin", "https://a.example", "--return-url", "ftp://a.example/b"],
      /^admin: --return-url: /,
    ],
    [
      ["sites", "create", "--name", "S", "--origin", "a.example", "--return-url", "https://a.example/b"],
      /^admin: --origin: /,
    ],
    [
      ["sites", "create", "--origin", "https://a.example", "--return-url", "https://a.example/b"],
      /^admin: --name: is required/,
    ],
    [["sites", "create", "--name", "S", "--return-url", "https://a.example/b"], /^admin: --origin: /],
    [[...site, "--colour", "red"], /^admin: --colour: unknown flag/],
    [[...site, "--name"], /^admin: --name: needs a value/],
    [[...site, "--require-customer-token"], /^admin: --require-customer-token: /],
    [[...site, "--customer-token-secret", "short"], /^admin: --customer-token-secret: .*32/],
    [
      [...site, "--customer-token-secret", "s".repeat(32), "--jwks-url", "https://a.example/jwks"],
      /^admin: --jwks-url: .*not both/,
    ],
    [[...site, "--jwks-url", "https://a.example/jwks"], /^admin: --token-audience: is required with --jwks-url/],
    [["sites", "update"], /^admin: <publishable-key>: is required/],
    [["partner-keys", "create", "--name", "P", "--scope", "bookings:delete"], /^admin: --scope: .*bookings:delete/],
    [["partner-keys", "create", "--name", "P", "--scope", "bookings:write"], /^admin: --return-url: .*bookings:write/],
    [["partner-keys", "create", "--name", "P"], /^admin: --scope: /],
    [["partner-keys", "list", "--json=yes"], /^admin: --json: takes no value/],
    [["partner-keys", "revoke", "x"], /^admin: <prefix>: /],
    [["partner-keys", "destroy"], /^admin: partner-keys: unknown action "destroy"/],
    [["users", "list"], /^admin: unknown command "users"/],
  ];
  for (const [args, expected] of cases) {
    const run = await adminInProcess(...args);
    t.equal(run.code, 2, `${args.join(" ")}: exit 2`);
    t.match(run.stderr, expected, `${args.join(" ")}: names the flag`);
    t.equal(run.stderr.trim().split("\n").length, 1, "one line");
    t.equal(run.stdout, "", "nothing on stdout");
  }
  // The same through a real process: the exit code and stderr.
  const real = await admin(...site, "--colour", "red");
  t.equal(real.code, 2);
  t.equal(real.stderr, 'admin: --colour: unknown flag for "sites create" (see --help)\n');
  const help = await adminInProcess("--help");
  t.equal(help.code, 0);
  t.match(help.stdout, /sites create --name NAME --origin ORIGIN/);
  t.match(help.stdout, /partner-keys revoke <prefix>/);
});

t.test("sites, partner keys: create, list, revoke", async (t) => {
  const site = await adminInProcess(
    "sites",
    "create",
    "--name",
    "Acme shop",
    "--origin",
    "https://shop.acme.example",
    "--origin",
    "http://localhost:5173/",
    "--return-url",
    "https://shop.acme.example/booked",
  );
  t.equal(site.code, 0, site.stderr);
  const publishableKey = /\b(pk_test_[0-9A-Za-z]{24})\b/.exec(site.stdout)?.[1];
  t.ok(publishableKey, "prints a test-mode publishable key (Stripe runs in the sandbox)");

  const created = await adminInProcess(
    "partner-keys",
    "create",
    "--name",
    "Acme partner",
    "--scope",
    "builders:read",
    "--scope",
    "bookings:write",
    "--return-url",
    "https://partner.acme.example/done",
  );
  t.equal(created.code, 0, created.stderr);
  t.match(created.stdout, /store it now; it cannot be shown again/i);
  const key = /\b(baw_sk_[0-9A-Za-z]{8}_[A-Za-z0-9_-]{43})\b/.exec(created.stdout)?.[1] ?? "";
  const parsed = parsePartnerKey(key);
  t.ok(parsed, "prints the secret key");
  if (!parsed) return;

  const list = await adminInProcess("partner-keys", "list");
  const listJson = await adminInProcess("partner-keys", "list", "--json");
  const sites = await adminInProcess("sites", "list", "--json");
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, new RegExp(`${parsed.prefix}\\s+Acme partner\\s+\\[active\\]`));
  for (const out of [list.stdout, listJson.stdout]) {
    t.notOk(out.includes(parsed.secret), "no secret in the listing");
    t.notOk(out.includes(sha256(parsed.secret)), "no hash in the listing");
  }
  t.match(JSON.parse(listJson.stdout), [
    {
      prefix: parsed.prefix,
      scopes: ["builders:read", "bookings:write"],
      returnUrlAllowlist: ["https://partner.acme.example/done"],
    },
  ]);
  t.match(JSON.parse(sites.stdout), [
    {
      name: "Acme shop",
      publishableKey,
      allowedOrigins: ["https://shop.acme.example", "http://localhost:5173"],
      returnUrlAllowlist: ["https://shop.acme.example/booked"],
      requireCustomerToken: false,
    },
  ]);

  const updated = await adminInProcess(
    "sites",
    "update",
    publishableKey ?? "",
    "--return-url",
    "https://shop.acme.example/other",
  );
  t.equal(updated.code, 0, updated.stderr);
  const strayUpdate = await adminInProcess(
    "sites",
    "update",
    publishableKey ?? "",
    "--origin",
    "https://elsewhere.example",
  );
  t.equal(strayUpdate.code, 2, "narrowing the origins past the return URLs is refused");
  t.match(strayUpdate.stderr, /^admin: --origin: /);

  // The printed key authenticates against the service.
  const config = loadConfig(env);
  const db = await openDatabase(config.database);
  try {
    const app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.decorate("config", config);
    await app.register(errorHandler);
    await app.register(metrics, {});
    await app.register(database, { config, db });
    await app.register(partnerRoutes);
    const res = await app.inject({
      method: "GET",
      url: "/v1/partner/builders",
      headers: { authorization: `Bearer ${key}` },
    });
    await app.close();
    t.equal(res.statusCode, 200, res.body);
    const { rows } = await db.sql.query<Record<string, unknown>>(`SELECT * FROM "PartnerKey"`);
    t.notOk(JSON.stringify(rows).includes(parsed.secret), "the database holds no secret");
    const siteRow = await db.prisma.site.findUniqueOrThrow({ where: { publishableKey: publishableKey ?? "" } });
    t.same(siteRow.returnUrlAllowlist, ["https://shop.acme.example/other"], "update replaced the return URLs");
  } finally {
    await db.close();
  }

  const revoked = await adminInProcess("partner-keys", "revoke", parsed.prefix);
  t.equal(revoked.code, 0, revoked.stderr);
  t.match(revoked.stdout, /Revoked partner key/);
  const unknown = await adminInProcess("partner-keys", "revoke", "ZZZZZZZZ");
  t.equal(unknown.code, 1, "an unknown prefix is a failure, not bad usage");

  const again = await openDatabase(config.database);
  try {
    const error = await verifyPartnerKey(again.prisma, `Bearer ${key}`).catch((e: unknown) => e);
    t.ok(error instanceof AppError);
    t.match(error, { statusCode: 401, code: "partner_key_revoked" });
  } finally {
    await again.close();
  }
});

t.test("builders and session types: create, price, update, list, refused flags, seed-demo", async (t) => {
  const created = await adminInProcess(
    "builders",
    "create",
    "--slug",
    "grace-hopper",
    "--name",
    "Grace Hopper",
    "--calendly-event-url",
    "https://calendly.com/grace/compilers",
    "--refund-policy",
    "cutoff",
    "--refund-cutoff-hours",
    "12",
  );
  t.equal(created.code, 0, created.stderr);
  t.match(
    created.stdout,
    /grace-hopper {2}Grace Hopper {2}\[unavailable: Grace Hopper has no session types on offer\.\]/,
  );
  t.match(created.stdout, /refund policy: CUTOFF \(12 h before the start\)/);

  const added = await adminInProcess(
    "session-types",
    "add",
    "grace-hopper",
    "--name",
    "Compiler clinic",
    "--duration",
    "30",
    "--price",
    "7500",
    "--currency",
    "GBP",
  );
  t.equal(added.code, 0, added.stderr);
  const id = /([0-9a-f-]{36}) {2}Compiler clinic, 30 min, 7500 gbp/.exec(added.stdout)?.[1];
  t.ok(id, "prints the session type with its id and price");

  const repriced = await adminInProcess(
    "session-types",
    "update",
    "grace-hopper",
    id!,
    "--price",
    "9000",
    "--currency",
    "gbp",
  );
  t.equal(repriced.code, 0, repriced.stderr);
  t.match(repriced.stdout, /9000 gbp/);

  const off = await adminInProcess("builders", "update", "grace-hopper", "--inactive");
  t.equal(off.code, 0, off.stderr);
  t.match(off.stdout, /\[unavailable: Grace Hopper is not taking bookings right now\.\]/);
  const on = await adminInProcess("builders", "update", "grace-hopper", "--active", "--no-calendly-event-url");
  t.match(on.stdout, /\[unavailable: Grace Hopper has not connected a calendar yet\.\]/);
  const attached = await adminInProcess(
    "builders",
    "update",
    "grace-hopper",
    "--calendly-event-url",
    "https://calendly.com/grace/compilers",
  );
  t.match(attached.stdout, /grace-hopper {2}Grace Hopper {2}\[bookable\]/);
  t.match(attached.stdout, /booking flow: {2}the embedding site's choice/);
  const payFirst = await adminInProcess("builders", "update", "grace-hopper", "--booking-flow", "pay-first");
  t.equal(payFirst.code, 0, payFirst.stderr);
  t.match(payFirst.stdout, /booking flow: {2}pay-first/);
  const badFlow = await adminInProcess("builders", "update", "grace-hopper", "--booking-flow", "later");
  t.equal(badFlow.code, 2, "an unknown flow is a usage error");
  t.match(badFlow.stderr, /--booking-flow: /);
  const cleared = await adminInProcess("builders", "update", "grace-hopper", "--no-booking-flow");
  t.match(cleared.stdout, /booking flow: {2}the embedding site's choice/);

  const list = await adminInProcess("builders", "list", "--json");
  t.equal(list.code, 0, list.stderr);
  const [grace] = JSON.parse(list.stdout) as { slug: string; sessionTypes: { price: { amount: number } }[] }[];
  t.equal(grace?.slug, "grace-hopper");
  t.equal(grace?.sessionTypes[0]?.price.amount, 9000, "the new price is stored");

  const refused: [string[], number, RegExp][] = [
    [["builders", "create", "--slug", "Bad Slug", "--name", "B"], 2, /^admin: --slug: must be lower-case/],
    [["builders", "create", "--slug", "no-name"], 2, /^admin: --name: is required/],
    [["builders", "update", "grace-hopper", "--refund-cutoff-hours", "soon"], 2, /^admin: --refund-cutoff-hours: /],
    [["builders", "update", "grace-hopper", "--active", "--inactive"], 2, /^admin: --inactive: contradicts --active/],
    [
      ["session-types", "add", "grace-hopper", "--name", "S", "--duration", "30", "--price=-5", "--currency", "usd"],
      2,
      /^admin: --price: must not be negative/,
    ],
    [
      ["session-types", "add", "grace-hopper", "--name", "S", "--duration", "30", "--price", "5", "--currency", "zzz"],
      2,
      /^admin: --currency: must be an ISO 4217/,
    ],
    [
      ["session-types", "update", "grace-hopper", id!, "--price", "5"],
      2,
      /^admin: --currency: is required with --price/,
    ],
    [["session-types", "update", "grace-hopper", "not-an-id", "--name", "S"], 2, /^admin: <session-type-id>: /],
    [
      ["builders", "create", "--slug", "grace-hopper", "--name", "Again"],
      1,
      /^admin: slug: a builder with the slug "grace-hopper" already exists/,
    ],
    [["builders", "update", "nobody", "--name", "N"], 1, /^admin: builder: no builder "nobody" exists/],
  ];
  for (const [args, code, message] of refused) {
    const run = await adminInProcess(...args);
    t.equal(run.code, code, `${args.join(" ")}: exit ${code}`);
    t.match(run.stderr, message, args.join(" "));
  }

  const seeded = await adminInProcess("seed-demo");
  t.equal(seeded.code, 0, seeded.stderr);
  const all = JSON.parse((await adminInProcess("builders", "list", "--json")).stdout) as { slug: string }[];
  t.ok(
    all.some((b) => b.slug === "liam"),
    "seed-demo writes the demo's builders",
  );
  t.ok(
    all.some((b) => b.slug === "grace-hopper"),
    "and leaves the others alone",
  );
});

t.test("a site verifying customer tokens through a JWKS names the audience and issuer", async (t) => {
  const run = await adminInProcess(
    "sites",
    "create",
    "--name",
    "SSO shop",
    "--origin",
    "https://sso.example",
    "--return-url",
    "https://sso.example/booked",
    "--require-customer-token",
    "--jwks-url",
    "https://idp.example/.well-known/jwks.json",
    "--token-audience",
    "baw-booking",
    "--token-issuer",
    "https://idp.example/",
  );
  t.equal(run.code, 0, run.stderr);
  t.match(
    run.stdout,
    /customer token: required \(JWKS https:\/\/idp\.example\/\.well-known\/jwks\.json, aud baw-booking, iss https:\/\/idp\.example\/\)/,
  );
  const sites = JSON.parse((await adminInProcess("sites", "list", "--json")).stdout) as Record<string, unknown>[];
  t.match(
    sites.find((s) => s.name === "SSO shop"),
    { customerTokenAudience: "baw-booking", customerTokenIssuer: "https://idp.example/" },
  );
});

t.test("a site offers promotion codes at checkout once told to", async (t) => {
  const created = await adminInProcess(
    "sites",
    "create",
    "--name",
    "Coupon shop",
    "--origin",
    "https://coupons.example",
    "--return-url",
    "https://coupons.example/booked",
  );
  t.equal(created.code, 0, created.stderr);
  t.match(created.stdout, /promotion codes: off/);
  const key = /\b(pk_test_[0-9A-Za-z]{24})\b/.exec(created.stdout)?.[1] ?? "";
  const on = await adminInProcess("sites", "update", key, "--allow-promotion-codes");
  t.equal(on.code, 0, on.stderr);
  t.match(on.stdout, /promotion codes: offered at checkout/);
  const both = await adminInProcess("sites", "update", key, "--allow-promotion-codes", "--no-allow-promotion-codes");
  t.equal(both.code, 2);
  t.match(both.stderr, /no-allow-promotion-codes.*contradicts --allow-promotion-codes/);
  const off = await adminInProcess("sites", "update", key, "--no-allow-promotion-codes");
  t.match(off.stdout, /promotion codes: off/);
});

const siteArgs = (name: string) => [
  "sites",
  "create",
  "--name",
  name,
  "--origin",
  "https://owned.example",
  "--return-url",
  "https://owned.example/done",
];

t.test("while a process holds the embedded database, a command goes to it or is refused", async (t) => {
  const ownedEnv = { ...env, PGLITE_DIR: path.join(dir, "owned") };
  const config = loadConfig(ownedEnv);
  const inProcess = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: ownedEnv });
    return { code, out, err };
  };

  // Opened as the service opens it: it takes admin commands for other processes.
  const service = await openDatabase(config.database);
  await serveAdminChannel(service, config);
  const created = await inProcess(...siteArgs("Written through the owner"));
  t.equal(created.code, 0, created.err.join("\n"));
  const key = /\b(pk_test_[0-9A-Za-z]{24})\b/.exec(created.out.join("\n"))?.[1] ?? "";
  t.ok(
    await service.prisma.site.findUnique({ where: { publishableKey: key } }),
    "the site is in the database the owner has open",
  );
  const usage = await inProcess("sites", "create", "--name", "S");
  t.equal(usage.code, 2, "bad usage is still answered without the database");
  await service.close();

  const reopened = await openDatabase(config.database);
  t.ok(await reopened.prisma.site.findUnique({ where: { publishableKey: key } }), "and it is there after a restart");

  // An owner that takes no commands (another CLI, the doctor): one line, and nothing opened.
  const refused = await inProcess(...siteArgs("Never written"));
  t.equal(refused.code, 1);
  t.same(refused.out, []);
  t.equal(refused.err.length, 1, "one line");
  t.match(refused.err[0], /^admin: PGlite at .* is in use by process \d+.*run the command again once it has stopped$/);
  t.equal(await reopened.prisma.site.count({ where: { name: "Never written" } }), 0);
  await t.rejects(openDatabase(config.database), { name: "EmbeddedDatabaseInUse" }, "a second open is refused");
  await reopened.close();
});

t.test("a record left by a process that died does not hold the directory", async (t) => {
  const deadEnv = { ...env, PGLITE_DIR: path.join(dir, "dead-owner") };
  const config = loadConfig(deadEnv);
  const first = await openDatabase(config.database);
  await first.close();
  const child = spawn(process.execPath, ["-e", ""]);
  const pid = child.pid!;
  await new Promise((resolve) => child.on("exit", resolve));
  await writeFile(ownerFile(config.database.kind === "pglite" ? config.database.dir : ""), JSON.stringify({ pid }));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["sites", "list"], { out: (l) => out.push(l), err: (l) => err.push(l), env: deadEnv });
  t.equal(code, 0, err.join("\n"));
  t.match(out.join("\n"), /No sites yet/);
});

t.test("npm run admin beside a running service: the service takes the write at once", async (t) => {
  const sandbox = await startSandbox({ stripe: {}, calendly: { eventTypes: sandboxEventTypes } });
  t.teardown(() => sandbox.close());
  const serviceEnv = {
    ...env,
    ...sandbox.serviceEnv,
    PGLITE_DIR: path.join(dir, "running"),
    PORT: "0",
    LOG_LEVEL: "info",
    CONFIG_CACHE_SECONDS: "0",
  };
  const service = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: serviceDir,
    env: serviceEnv,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => service.on("exit", resolve));
  t.teardown(() => {
    service.kill("SIGKILL");
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = "";
    service.stdout!.on("data", (chunk: Buffer) => {
      text += chunk;
      const found = /listening on (http:\/\/[^\s"]+)/.exec(text);
      if (found) resolve(found[1]!);
    });
    service.on("exit", (code) => reject(new Error(`the service exited (${code}): ${text}`)));
  });
  const admin = (args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "src/cli/admin.ts", ...args],
        { cwd: serviceDir, env: serviceEnv, timeout: 110_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const created = await admin(siteArgs("Beside the service"));
  t.equal(created.code, 0, created.stderr);
  const key = /\b(pk_test_[0-9A-Za-z]{24})\b/.exec(created.stdout)?.[1] ?? "";
  // The service seeds no catalogue of its own: the builder comes from the CLI, through the service.
  const builder = await admin(["builders", "create", "--slug", "ada-lovelace", "--name", "Ada Lovelace"]);
  t.equal(builder.code, 0, builder.stderr);
  const res = await fetch(`${url}/v1/builders/ada-lovelace/booking-config`, {
    headers: { "x-baw-site-key": key, origin: "https://owned.example" },
  });
  t.equal(res.status, 200, "the running service knows the new site key and the new builder");
  service.kill("SIGTERM");
  await exited;
  const db = await openDatabase(loadConfig(serviceEnv).database);
  t.ok(await db.prisma.site.findUnique({ where: { publishableKey: key } }), "and keeps it after it stops");
  t.ok(await db.prisma.builder.findUnique({ where: { slug: "ada-lovelace" } }), "the builder too");
  await db.close();
});
