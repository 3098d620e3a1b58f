// `npm run admin -- <command>`: manage the catalogue, embedding sites and partner keys in the configured
// database (DATABASE_URL, else the embedded PGlite at PGLITE_DIR). While a service runs on that
// PGlite directory, the service carries the command out (admin-channel.ts): a second process
// opening the directory would write into a copy that is lost.
// Exit codes: 0 done, 1 failed (unknown key, database or configuration problem), 2 bad usage.
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { type Config, ConfigError, loadConfig } from "../config.js";
import type { PartnerBuilder, PartnerSessionType } from "../contract/index.js";
import { type Database, openDatabase } from "../db/database.js";
import { currentOwner, EmbeddedDatabaseInUse } from "../db/embedded-owner.js";
import { seedDemoBuilders } from "../db/seed.js";
import { reencryptTokens } from "../domain/calendly-connections/rotation.js";
import {
  addSessionType,
  createBuilder,
  listBuilders,
  updateBuilder,
  updateSessionType,
} from "../domain/catalogue/builders.js";
import {
  BuilderCreateSchema,
  BuilderUpdateSchema,
  SessionTypeCreateSchema,
  SessionTypeUpdateSchema,
} from "../domain/catalogue/inputs.js";
import {
  issuePartnerKey,
  listPartnerKeys,
  PARTNER_SCOPES,
  type PartnerKeySummary,
  parsePartnerKey,
  randomBase62,
  revokePartnerKey,
} from "../domain/partner-keys.js";
import type { Site } from "../generated/prisma/client.js";
import { AppError } from "../lib/errors.js";
import { sendToOwner } from "./admin-channel.js";

export const HELP = `Usage: npm run admin -- <command> [flags]

Builders and their session types (<builder> is a slug or an id):
  builders create --slug SLUG --name NAME [--headline TEXT] [--bio TEXT] [--contact-email EMAIL]
                  [--avatar-url URL] [--calendly-event-url URL]
                  [--refund-policy FULL|NONE|CUTOFF] [--refund-cutoff-hours HOURS] [--inactive]
                  [--booking-flow embedded|pay-first]
  builders list [--json]
  builders update <builder> [the create flags] [--active | --inactive] [--no-calendly-event-url]
                  [--no-booking-flow]  (each embedding site chooses the flow again)
  session-types add <builder> --name NAME --duration MINUTES --price AMOUNT --currency CODE [--inactive]
  session-types update <builder> <session-type-id> [--name NAME] [--duration MINUTES]
                  [--price AMOUNT --currency CODE] [--active | --inactive]
  seed-demo       (re)write the demo marketplace's six builders

Sites (embedding pages; a publishable key names the origins that may use the widget):
  sites create --name NAME --origin ORIGIN [--origin …] --return-url URL [--return-url …]
               [--require-customer-token] [--customer-token-secret SECRET | --jwks-url URL]
               [--token-audience AUD] [--token-issuer ISS]
  sites list [--json]
  sites update <publishable-key> [--name NAME] [--origin ORIGIN …] [--return-url URL …]
               [--require-customer-token | --no-require-customer-token]
               [--customer-token-secret SECRET | --jwks-url URL]
               [--token-audience AUD] [--token-issuer ISS]
               [--allow-promotion-codes | --no-allow-promotion-codes]

Partner keys (server-to-server secret keys):
  partner-keys create --name NAME --scope SCOPE [--scope …] [--return-url URL …]
  partner-keys list [--json]
  partner-keys revoke <prefix>

Builders' Calendly connections (OAuth):
  calendly reencrypt
                  encrypt every stored token under the first key of CALENDLY_TOKEN_ENCRYPTION_KEYS,
                  so older keys can be removed from the list

Flags:
  --calendly-event-url
                  the builder's Calendly event page, e.g. https://calendly.com/<user>/<event>
  --price         integer minor units (cents): 15000 with --currency usd is $150.00; 0 is free
  --origin        a bare origin, scheme://host[:port] with no path, e.g. https://shop.example
  --return-url    an http(s) page checkout may return to; a site's must be on one of its origins.
                  Repeat the flag for several. On update, the given list replaces the old one.
  --scope         ${PARTNER_SCOPES.join(", ")}; bookings:write needs at least one --return-url
  --require-customer-token
                  visitors must bring a customer token signed with --customer-token-secret
                  (HS256, 32+ characters) or by a key in --jwks-url
  --token-audience, --token-issuer
                  the aud and iss a customer token must carry; --jwks-url needs --token-audience
  --json          machine-readable output (lists)
  -h, --help      this help

The database is the service's: DATABASE_URL, else PGlite at PGLITE_DIR. A service running on
that PGlite directory carries the command out itself (only one process may open it).
Running services pick up site changes within 15 s, and catalogue changes at once.
Partner secrets are shown once, at creation; only their hash is stored.
Exit codes: 0 done, 1 failed, 2 bad usage.`;

export interface AdminIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: AdminIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

/** Bad usage: exit 2, one line naming the flag. */
export class UsageError extends Error {
  override name = "UsageError";
}
/** A failure that is not the caller's syntax: exit 1. */
class AdminFailure extends Error {}

// ---- argument schemas ---------------------------------------------------------------------

const originSchema = z.string().transform((raw, ctx) => {
  const value = raw.trim();
  const bare = /^https?:\/\/[^/?#@\s]+\/?$/i.test(value);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!bare || !url || url.hostname === "") {
    ctx.addIssue({
      code: "custom",
      message: `"${raw}" is not a bare origin; use scheme://host[:port] with no path, e.g. https://shop.example`,
    });
    return z.NEVER;
  }
  return url.origin;
});

const httpUrlSchema = z.string().transform((raw, ctx) => {
  const value = raw.trim();
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) {
    ctx.addIssue({ code: "custom", message: `"${raw}" is not an http(s) URL without credentials` });
    return z.NEVER;
  }
  return url.toString();
});

const nameSchema = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const secretSchema = z.string().min(32, "must be at least 32 characters (HS256 secret)").max(512);

/** Flag names as parseArgs knows them; zod issue paths use the same keys. */
type Flags = Record<string, string | boolean | string[] | undefined>;

function validate<T>(schema: z.ZodType<T>, flags: Flags, label = (key: string) => `--${key}`): T {
  const parsed = schema.safeParse(flags);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const flag = issue.path.find((p) => typeof p === "string");
  const message =
    issue.code === "invalid_type" && issue.input === undefined
      ? "is required"
      : issue.message.replace(/^Invalid input: /, "");
  throw new UsageError(flag ? `${label(flag)}: ${message}` : message);
}

function onOrigins(flag: string, urls: readonly string[], origins: readonly string[], ctx: z.RefinementCtx) {
  for (const url of urls) {
    if (!origins.includes(new URL(url).origin)) {
      ctx.addIssue({
        code: "custom",
        path: [flag],
        message: `${url} is not on one of the site's origins (${origins.join(", ")})`,
      });
      return;
    }
  }
}

function verifierRules(
  flags: { "customer-token-secret"?: string; "jwks-url"?: string; "token-audience"?: string },
  ctx: z.RefinementCtx,
) {
  if (flags["customer-token-secret"] && flags["jwks-url"]) {
    ctx.addIssue({
      code: "custom",
      path: ["jwks-url"],
      message: "use either --customer-token-secret or --jwks-url, not both",
    });
  }
}

/** An expected `aud` or `iss` claim. */
const claimSchema = z.string().trim().min(1).max(500);

const SiteCreateSchema = z
  .object({
    name: nameSchema,
    origin: z.array(originSchema).min(1, "at least one is required"),
    "return-url": z.array(httpUrlSchema).min(1, "at least one is required"),
    "require-customer-token": z.boolean().default(false),
    "customer-token-secret": secretSchema.optional(),
    "jwks-url": httpUrlSchema.optional(),
    "token-audience": claimSchema.optional(),
    "token-issuer": claimSchema.optional(),
  })
  .superRefine((f, ctx) => {
    onOrigins("return-url", f["return-url"], f.origin, ctx);
    verifierRules(f, ctx);
    if (f["jwks-url"] && !f["token-audience"]) {
      ctx.addIssue({
        code: "custom",
        path: ["token-audience"],
        message: "is required with --jwks-url (tokens the identity provider issued for other apps are refused)",
      });
    }
    if (f["require-customer-token"] && !f["customer-token-secret"] && !f["jwks-url"]) {
      ctx.addIssue({
        code: "custom",
        path: ["require-customer-token"],
        message: "needs --customer-token-secret or --jwks-url to verify the tokens",
      });
    }
  });

const SiteUpdateSchema = z
  .object({
    name: nameSchema.optional(),
    origin: z.array(originSchema).min(1).optional(),
    "return-url": z.array(httpUrlSchema).min(1).optional(),
    "require-customer-token": z.boolean().optional(),
    "no-require-customer-token": z.boolean().optional(),
    "customer-token-secret": secretSchema.optional(),
    "jwks-url": httpUrlSchema.optional(),
    "token-audience": claimSchema.optional(),
    "token-issuer": claimSchema.optional(),
    "allow-promotion-codes": z.boolean().optional(),
    "no-allow-promotion-codes": z.boolean().optional(),
  })
  .superRefine((f, ctx) => {
    verifierRules(f, ctx);
    if (f["allow-promotion-codes"] && f["no-allow-promotion-codes"]) {
      ctx.addIssue({
        code: "custom",
        path: ["no-allow-promotion-codes"],
        message: "contradicts --allow-promotion-codes",
      });
    }
    if (f["require-customer-token"] && f["no-require-customer-token"]) {
      ctx.addIssue({
        code: "custom",
        path: ["no-require-customer-token"],
        message: "contradicts --require-customer-token",
      });
    }
  });

const KeyCreateSchema = z
  .object({
    name: nameSchema,
    scope: z
      .array(
        z.enum(PARTNER_SCOPES, {
          error: (issue) => `"${String(issue.input)}" is not a scope; use ${PARTNER_SCOPES.join(", ")}`,
        }),
      )
      .min(1),
    "return-url": z.array(httpUrlSchema).default([]),
  })
  .superRefine((f, ctx) => {
    if (f.scope.includes("bookings:write") && f["return-url"].length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["return-url"],
        message: "at least one is required for the bookings:write scope (pages checkout returns to)",
      });
    }
  });

const PrefixSchema = z.string().transform((raw, ctx) => {
  const value = raw.trim();
  const prefix = parsePartnerKey(value)?.prefix ?? value;
  if (!/^[0-9A-Za-z]{8}$/.test(prefix)) {
    ctx.addIssue({
      code: "custom",
      message: `"${raw}" is not a key prefix (8 letters or digits, as partner-keys list shows)`,
    });
    return z.NEVER;
  }
  return prefix;
});

// ---- parsing ------------------------------------------------------------------------------

type OptionSpec = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

const multi = { type: "string", multiple: true } as const;
const builderOptions = {
  slug: { type: "string" },
  name: { type: "string" },
  headline: { type: "string" },
  bio: { type: "string" },
  "contact-email": { type: "string" },
  "avatar-url": { type: "string" },
  "calendly-event-url": { type: "string" },
  "refund-policy": { type: "string" },
  "refund-cutoff-hours": { type: "string" },
  "booking-flow": { type: "string" },
  inactive: { type: "boolean" },
} as const;
const sessionTypeOptions = {
  name: { type: "string" },
  duration: { type: "string" },
  price: { type: "string" },
  currency: { type: "string" },
  inactive: { type: "boolean" },
} as const;
const commands: Record<string, { options: OptionSpec; positionals: string[] }> = {
  "builders create": { options: builderOptions, positionals: [] },
  "builders list": { options: { json: { type: "boolean" } }, positionals: [] },
  "builders update": {
    options: {
      ...builderOptions,
      active: { type: "boolean" },
      "no-calendly-event-url": { type: "boolean" },
      "no-booking-flow": { type: "boolean" },
    },
    positionals: ["builder"],
  },
  "session-types add": { options: sessionTypeOptions, positionals: ["builder"] },
  "session-types update": {
    options: { ...sessionTypeOptions, active: { type: "boolean" } },
    positionals: ["builder", "session-type-id"],
  },
  "seed-demo": { options: {}, positionals: [] },
  "sites create": {
    options: {
      name: { type: "string" },
      origin: multi,
      "return-url": multi,
      "require-customer-token": { type: "boolean" },
      "customer-token-secret": { type: "string" },
      "jwks-url": { type: "string" },
      "token-audience": { type: "string" },
      "token-issuer": { type: "string" },
    },
    positionals: [],
  },
  "sites list": { options: { json: { type: "boolean" } }, positionals: [] },
  "sites update": {
    options: {
      name: { type: "string" },
      origin: multi,
      "return-url": multi,
      "require-customer-token": { type: "boolean" },
      "no-require-customer-token": { type: "boolean" },
      "customer-token-secret": { type: "string" },
      "jwks-url": { type: "string" },
      "token-audience": { type: "string" },
      "token-issuer": { type: "string" },
      "allow-promotion-codes": { type: "boolean" },
      "no-allow-promotion-codes": { type: "boolean" },
    },
    positionals: ["publishable-key"],
  },
  "partner-keys create": {
    options: { name: { type: "string" }, scope: multi, "return-url": multi },
    positionals: [],
  },
  "partner-keys list": { options: { json: { type: "boolean" } }, positionals: [] },
  "partner-keys revoke": { options: {}, positionals: ["prefix"] },
  "calendly reencrypt": { options: {}, positionals: [] },
};

interface Parsed {
  command: string;
  flags: Flags;
  positionals: string[];
}

function parseCommand(argv: string[]): Parsed | "help" {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) return "help";
  const single = commands[argv[0]!] !== undefined;
  const [group, action, ...rest]: (string | undefined)[] = single ? [argv[0], undefined, ...argv.slice(1)] : argv;
  const command = `${group} ${action ?? ""}`.trim();
  const spec = commands[command];
  if (!spec) {
    const known = [...new Set(Object.keys(commands).map((c) => c.split(" ")[0]))];
    if (!known.includes(group!))
      throw new UsageError(`unknown command "${group}"; commands: ${known.join(", ")} (see --help)`);
    const actions = Object.keys(commands)
      .filter((c) => c.startsWith(`${group} `))
      .map((c) => c.split(" ")[1]);
    throw new UsageError(`${group}: unknown action "${action ?? ""}"; use one of ${actions.join(", ")} (see --help)`);
  }
  let values: Flags;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest as string[],
      options: spec.options,
      strict: true,
      allowPositionals: true,
    }) as {
      values: Flags;
      positionals: string[];
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: string }).code;
    const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")
      throw new UsageError(`${flag ?? "flag"}: unknown flag for "${command}" (see --help)`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      // A string flag given without a value, or a boolean flag given one: the flag's declared type says which.
      const declared = spec.options?.[flag?.replace(/^-+/, "") ?? ""] as { type?: string } | undefined;
      throw new UsageError(`${flag ?? "flag"}: ${declared?.type === "boolean" ? "takes no value" : "needs a value"}`);
    }
    throw new UsageError(message.split("\n")[0]!);
  }
  if (positionals.length !== spec.positionals.length) {
    const wanted = spec.positionals.map((p) => `<${p}>`).join(" ");
    if (positionals.length > spec.positionals.length) {
      throw new UsageError(
        `unexpected argument "${positionals[spec.positionals.length]}"${wanted ? `; "${command}" takes ${wanted}` : ""}`,
      );
    }
    throw new UsageError(`<${spec.positionals[positionals.length]}>: is required ("${command} ${wanted}")`);
  }
  return { command, flags: values, positionals };
}

// ---- catalogue flags ----------------------------------------------------------------------

/** Flag names for the catalogue's fields, so a refused field is named as the flag the caller typed. */
const catalogueFlags: Record<string, string> = {
  slug: "--slug",
  name: "--name",
  headline: "--headline",
  bio: "--bio",
  contactEmail: "--contact-email",
  avatarUrl: "--avatar-url",
  calendlyEventUrl: "--calendly-event-url",
  refundPolicy: "--refund-policy",
  refundCutoffHours: "--refund-cutoff-hours",
  bookingFlow: "--booking-flow",
  active: "--active",
  durationMinutes: "--duration",
  price: "--price",
  amount: "--price",
  currency: "--currency",
  builder: "<builder>",
};

/** An integer flag as a number; anything else stays a string for the schema to refuse by name. */
function integer(value: string | undefined): number | string | undefined {
  return value !== undefined && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

function activeFlag(flags: Flags): boolean | undefined {
  if (flags.active && flags.inactive) throw new UsageError("--inactive: contradicts --active");
  return flags.active ? true : flags.inactive ? false : undefined;
}

function builderBody(flags: Flags, creating: boolean) {
  if (flags["calendly-event-url"] !== undefined && flags["no-calendly-event-url"]) {
    throw new UsageError("--no-calendly-event-url: contradicts --calendly-event-url");
  }
  if (flags["booking-flow"] !== undefined && flags["no-booking-flow"]) {
    throw new UsageError("--no-booking-flow: contradicts --booking-flow");
  }
  const str = (key: string) => flags[key] as string | undefined;
  const active = activeFlag(flags);
  return {
    slug: str("slug"),
    name: str("name"),
    headline: str("headline"),
    bio: str("bio"),
    contactEmail: str("contact-email"),
    avatarUrl: str("avatar-url"),
    calendlyEventUrl: flags["no-calendly-event-url"] ? null : str("calendly-event-url"),
    refundPolicy: str("refund-policy")?.toUpperCase(),
    refundCutoffHours: integer(str("refund-cutoff-hours")),
    bookingFlow: flags["no-booking-flow"] ? null : str("booking-flow")?.toLowerCase(),
    active: creating ? (active ?? true) : active,
  };
}

function sessionTypeBody(flags: Flags, creating: boolean) {
  const price = flags.price as string | undefined;
  const currency = flags.currency as string | undefined;
  if (!creating && (price === undefined) !== (currency === undefined)) {
    throw new UsageError(
      price === undefined ? "--price: is required with --currency" : "--currency: is required with --price",
    );
  }
  return {
    name: flags.name as string | undefined,
    durationMinutes: integer(flags.duration as string | undefined),
    price: price === undefined && currency === undefined ? undefined : { amount: integer(price), currency },
    active: activeFlag(flags),
  };
}

/** Validates with the partner API's own schema; the first refused field is named as its flag. */
function validateCatalogue<T>(schema: z.ZodType<T>, body: Record<string, unknown>): T {
  const defined = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
  const parsed = schema.safeParse(defined);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = [...issue.path].reverse().find((p) => typeof p === "string");
  const flag = field ? (catalogueFlags[field] ?? `--${field}`) : undefined;
  const message =
    issue.code === "invalid_type" && issue.input === undefined
      ? "is required"
      : issue.code === "unrecognized_keys"
        ? issue.message
        : issue.message.replace(/^Invalid input: /, "");
  throw new UsageError(flag ? `${flag}: ${message}` : message);
}

function describeSessionType(s: PartnerSessionType): string {
  const price = s.price.amount === 0 ? "free" : `${s.price.amount} ${s.price.currency}`;
  return `  ${s.id}  ${s.name}, ${s.durationMinutes} min, ${price}${s.active ? "" : " [inactive]"}`;
}

function describeBuilder(b: PartnerBuilder): string[] {
  const refund =
    b.refundPolicy === "CUTOFF" ? `CUTOFF (${b.refundCutoffHours ?? 24} h before the start)` : b.refundPolicy;
  return [
    `${b.slug}  ${b.name}  [${b.state}${b.reason ? `: ${b.reason}` : ""}]`,
    `  id:            ${b.id}`,
    `  Calendly:      ${b.calendlyEventUrl ?? "(no event URL)"}`,
    `  refund policy: ${refund}`,
    `  booking flow:  ${b.bookingFlow ?? "the embedding site's choice"}`,
    ...(b.sessionTypes.length ? b.sessionTypes.map(describeSessionType) : ["  (no session types)"]),
  ];
}

// ---- commands -----------------------------------------------------------------------------

function isTestMode(config: Config): boolean {
  return !/^(sk|rk)_live_/.test(config.stripe.secretKey);
}

function describeSite(site: Site): string[] {
  const token = site.requireCustomerToken ? "required" : "optional";
  const verifier = site.customerTokenSecret
    ? "HS256 secret set"
    : site.customerTokenJwksUrl
      ? `JWKS ${site.customerTokenJwksUrl}`
      : "no verifier";
  return [
    `${site.publishableKey}  ${site.name}`,
    `  origins:        ${site.allowedOrigins.join(", ") || "(none)"}`,
    `  return URLs:    ${site.returnUrlAllowlist.join(", ") || "(none)"}`,
    `  customer token: ${token} (${verifier}` +
      `${site.customerTokenAudience ? `, aud ${site.customerTokenAudience}` : ""}` +
      `${site.customerTokenIssuer ? `, iss ${site.customerTokenIssuer}` : ""})`,
    `  promotion codes: ${site.allowPromotionCodes ? "offered at checkout" : "off"}`,
  ];
}

/** What listings may show of a site: never the customer-token secret. */
function publicSite(site: Site) {
  const { customerTokenSecret, ...rest } = site;
  return { ...rest, customerTokenSecretSet: Boolean(customerTokenSecret) };
}

function describeKey(key: PartnerKeySummary): string[] {
  const status = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : "active";
  return [
    `${key.prefix}  ${key.name}  [${status}]`,
    `  scopes:      ${key.scopes.join(", ")}`,
    `  return URLs: ${key.returnUrlAllowlist.join(", ") || "(none)"}`,
    `  created:     ${key.createdAt.toISOString()}   last used: ${key.lastUsedAt?.toISOString() ?? "never"}`,
  ];
}

async function run(parsed: Parsed, io: AdminIo, open: () => Promise<{ db: Database; config: Config }>): Promise<void> {
  const { command, flags, positionals } = parsed;
  switch (command) {
    case "builders create": {
      const input = validateCatalogue(BuilderCreateSchema, builderBody(flags, true));
      const { db } = await open();
      const builder = await createBuilder(db.prisma, input);
      io.out(`Created builder "${builder.name}":`);
      for (const line of describeBuilder(builder)) io.out(line);
      return;
    }
    case "builders list": {
      const { db } = await open();
      const builders = await listBuilders(db.prisma);
      if (flags.json) return io.out(JSON.stringify(builders, null, 2));
      if (builders.length === 0) return io.out("No builders yet. Create one with: builders create --help");
      for (const builder of builders) for (const line of describeBuilder(builder)) io.out(line);
      return;
    }
    case "builders update": {
      const input = validateCatalogue(BuilderUpdateSchema, builderBody(flags, false));
      const { db } = await open();
      const builder = await updateBuilder(db.prisma, positionals[0]!.trim(), input);
      io.out(`Updated builder "${builder.name}":`);
      for (const line of describeBuilder(builder)) io.out(line);
      return;
    }
    case "session-types add": {
      const input = validateCatalogue(SessionTypeCreateSchema, sessionTypeBody(flags, true));
      const { db } = await open();
      const sessionType = await addSessionType(db.prisma, positionals[0]!.trim(), input);
      io.out(`Added session type "${sessionType.name}":`);
      io.out(describeSessionType(sessionType));
      return;
    }
    case "session-types update": {
      const id = positionals[1]!.trim();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        throw new UsageError(`<session-type-id>: "${id}" is not a session type id (UUID, as builders list shows)`);
      }
      const input = validateCatalogue(SessionTypeUpdateSchema, sessionTypeBody(flags, false));
      const { db } = await open();
      const sessionType = await updateSessionType(db.prisma, positionals[0]!.trim(), id, input);
      io.out(`Updated session type "${sessionType.name}":`);
      io.out(describeSessionType(sessionType));
      return;
    }
    case "seed-demo": {
      const { db } = await open();
      await seedDemoBuilders(db.prisma);
      io.out("Wrote the demo's six builders (profiles and session types reset; other builders untouched).");
      return;
    }
    case "sites create": {
      const input = validate(SiteCreateSchema, flags);
      const { db, config } = await open();
      const publishableKey = `pk_${isTestMode(config) ? "test" : "live"}_${randomBase62(24)}`;
      const site = await db.prisma.site.create({
        data: {
          name: input.name,
          publishableKey,
          allowedOrigins: [...new Set(input.origin)],
          returnUrlAllowlist: [...new Set(input["return-url"])],
          requireCustomerToken: input["require-customer-token"],
          customerTokenSecret: input["customer-token-secret"] ?? null,
          customerTokenJwksUrl: input["jwks-url"] ?? null,
          customerTokenAudience: input["token-audience"] ?? null,
          customerTokenIssuer: input["token-issuer"] ?? null,
        },
      });
      io.out(`Created site "${site.name}". Its publishable key (safe to put in pages):`);
      io.out("");
      io.out(`  ${site.publishableKey}`);
      io.out("");
      for (const line of describeSite(site).slice(1)) io.out(line);
      return;
    }
    case "sites list": {
      const { db } = await open();
      const sites = await db.prisma.site.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      if (flags.json) return io.out(JSON.stringify(sites.map(publicSite), null, 2));
      if (sites.length === 0) return io.out("No sites yet. Create one with: sites create --help");
      for (const site of sites) for (const line of describeSite(site)) io.out(line);
      return;
    }
    case "sites update": {
      const input = validate(SiteUpdateSchema, flags);
      const key = positionals[0]!.trim();
      const { db } = await open();
      const site = await db.prisma.site.findUnique({ where: { publishableKey: key } });
      if (!site) throw new AdminFailure(`no site has the publishable key "${key}" (see sites list)`);
      const origins = input.origin ? [...new Set(input.origin)] : site.allowedOrigins;
      const returnUrls = input["return-url"] ? [...new Set(input["return-url"])] : site.returnUrlAllowlist;
      const stray = returnUrls.find((u) => !origins.includes(new URL(u).origin));
      if (stray) {
        const flag = input["return-url"] ? "--return-url" : "--origin";
        throw new UsageError(
          `${flag}: return URL ${stray} would not be on one of the site's origins (${origins.join(", ")})`,
        );
      }
      const secret = input["customer-token-secret"] ?? (input["jwks-url"] ? null : site.customerTokenSecret);
      const jwks = input["jwks-url"] ?? (input["customer-token-secret"] ? null : site.customerTokenJwksUrl);
      const require = input["require-customer-token"]
        ? true
        : input["no-require-customer-token"]
          ? false
          : site.requireCustomerToken;
      const audience = input["token-audience"] ?? site.customerTokenAudience;
      if (jwks && !audience) {
        throw new UsageError(
          "--token-audience: is required with --jwks-url (tokens the identity provider issued for other apps are refused)",
        );
      }
      if (require && !secret && !jwks) {
        throw new UsageError(
          "--require-customer-token: needs --customer-token-secret or --jwks-url to verify the tokens",
        );
      }
      const updated = await db.prisma.site.update({
        where: { id: site.id },
        data: {
          name: input.name ?? site.name,
          allowedOrigins: origins,
          returnUrlAllowlist: returnUrls,
          requireCustomerToken: require,
          customerTokenSecret: secret,
          customerTokenJwksUrl: jwks,
          customerTokenAudience: audience,
          customerTokenIssuer: input["token-issuer"] ?? site.customerTokenIssuer,
          allowPromotionCodes: input["allow-promotion-codes"]
            ? true
            : input["no-allow-promotion-codes"]
              ? false
              : site.allowPromotionCodes,
        },
      });
      io.out(`Updated site "${updated.name}" (running services pick it up within 15 s):`);
      for (const line of describeSite(updated)) io.out(line);
      return;
    }
    case "partner-keys create": {
      const input = validate(KeyCreateSchema, flags);
      const { db } = await open();
      const { key, record } = await issuePartnerKey(db.prisma, {
        name: input.name,
        scopes: input.scope,
        returnUrlAllowlist: [...new Set(input["return-url"])],
      });
      io.out(`Created partner key "${record.name}" (prefix ${record.prefix}; scopes ${record.scopes.join(", ")}).`);
      io.out("");
      io.out(`  ${key}`);
      io.out("");
      io.out("Store it now; it cannot be shown again. Send it as: Authorization: Bearer <key>");
      return;
    }
    case "partner-keys list": {
      const { db } = await open();
      const keys = await listPartnerKeys(db.prisma);
      if (flags.json) return io.out(JSON.stringify(keys, null, 2));
      if (keys.length === 0) return io.out("No partner keys yet. Create one with: partner-keys create --help");
      for (const key of keys) for (const line of describeKey(key)) io.out(line);
      return;
    }
    case "calendly reencrypt": {
      const { db, config } = await open();
      const done = await reencryptTokens(db.prisma, config);
      const key = config.calendly.tokenKeys[0]?.id;
      io.out(
        `Re-encrypted ${done.connections} connection(s) and ${done.states} pending authorization(s) under key "${key}".`,
      );
      if (done.unknownKeys.length > 0) {
        throw new AdminFailure(
          `some tokens are under key(s) ${done.unknownKeys.map((k) => `"${k}"`).join(", ")}, which CALENDLY_TOKEN_ENCRYPTION_KEYS does not list: add them back (after the current key) and run this again`,
        );
      }
      return;
    }
    case "partner-keys revoke": {
      const prefix = validate(z.object({ prefix: PrefixSchema }), { prefix: positionals[0] }, (k) => `<${k}>`).prefix;
      const { db } = await open();
      const result = await revokePartnerKey(db.prisma, prefix);
      if (!result) throw new AdminFailure(`no partner key has the prefix "${prefix}" (see partner-keys list)`);
      io.out(
        result.alreadyRevoked
          ? `Partner key ${prefix} ("${result.key.name}") was already revoked on ${result.key.revokedAt?.toISOString()}.`
          : `Revoked partner key ${prefix} ("${result.key.name}"). Requests with it now get 401 partner_key_revoked.`,
      );
      return;
    }
  }
}

/** Thrown by an `open` that had the command carried out elsewhere: its exit code is the command's. */
class CarriedOut extends Error {
  constructor(readonly code: number) {
    super(`carried out elsewhere (exit ${code})`);
  }
}

/**
 * Runs one admin command against the database `open` provides (called once the arguments are
 * valid, so bad usage never touches a database); resolves to the exit code.
 */
export async function runAdmin(
  argv: string[],
  io: AdminIo,
  open: () => Promise<{ db: Database; config: Config }>,
): Promise<number> {
  try {
    const parsed = parseCommand(argv);
    if (parsed === "help") {
      io.out(HELP);
      return 0;
    }
    await run(parsed, io, open);
    return 0;
  } catch (error) {
    if (error instanceof CarriedOut) return error.code;
    if (error instanceof UsageError) {
      io.err(`admin: ${error.message}`);
      return 2;
    }
    if (error instanceof AdminFailure) {
      io.err(`admin: ${error.message}`);
      return 1;
    }
    if (error instanceof AppError) {
      // The catalogue's own refusals (no such builder, slug taken) name their field already.
      io.err(`admin: ${error.message}`);
      return 1;
    }
    if (error instanceof ConfigError) {
      io.err(`admin: ${error.message.replace(/\n\s*/g, " ")}`);
      return 1;
    }
    io.err(`admin: failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** Runs one admin command; resolves to the process exit code. */
export async function main(argv: string[], io: AdminIo = defaultIo): Promise<number> {
  let db: Database | undefined;
  try {
    return await runAdmin(argv, io, async () => {
      const config = loadConfig(io.env, { providers: false });
      const { database } = config;
      if (database.kind === "pglite" && !database.dir.startsWith("memory://")) {
        const owner = await currentOwner(database.dir);
        if (owner?.admin) {
          // A running service has the directory open: it carries the command out.
          const result = await sendToOwner(owner.admin, argv);
          for (const line of result.out) io.out(line);
          for (const line of result.err) io.err(line);
          throw new CarriedOut(result.code);
        }
        if (owner) {
          throw new AdminFailure(
            `${new EmbeddedDatabaseInUse(database.dir, owner).message}; run the command again once it has stopped`,
          );
        }
      }
      try {
        db = await openDatabase(config.database);
      } catch (error) {
        // Another process took the directory between the look and the open.
        if (error instanceof EmbeddedDatabaseInUse) throw new AdminFailure(error.message);
        throw error;
      }
      return { db, config };
    });
  } finally {
    await db?.close();
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = await main(process.argv.slice(2));
}
