// The doctor's Sites and partner keys section: origins, return URLs and scopes.
import { PARTNER_SCOPES } from "../domain/partner-keys.js";
import { type DoctorInput, dbNotReady, isLocalHost, type Report } from "./doctor-report.js";

function bareOrigin(raw: string): URL | undefined {
  if (!/^https?:\/\/[^/?#@\s]+$/i.test(raw)) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

export async function siteChecks(r: Report, input: DoctorInput, dbReady: boolean): Promise<void> {
  r.in("Sites and partner keys");
  if (!dbReady || !input.db) {
    r.info(`sites and partner keys not checked: ${dbNotReady(input)}`);
    return;
  }
  const production = input.config.env === "production";
  const sites = await input.db.prisma.site.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  if (sites.length === 0) {
    r.warn(
      "no embedding sites: no page can use the widget",
      "npm run admin -- sites create --name NAME --origin https://your.site --return-url https://your.site/booking",
    );
  }
  for (const site of sites) {
    const label = `site "${site.name}" (${site.publishableKey})`;
    const update = `npm run admin -- sites update ${site.publishableKey}`;
    const before = r.results.length;
    if (site.allowedOrigins.length === 0) {
      r.fail(`${label} has no allowed origins: browsers cannot use it`, `${update} --origin https://your.site`);
    }
    const origins: string[] = [];
    for (const origin of site.allowedOrigins) {
      const u = bareOrigin(origin);
      if (!u) {
        r.fail(
          `${label}: origin "${origin}" is not a bare scheme://host[:port] (browsers send no path, so it never matches)`,
          `${update} --origin <origin> (repeat for each; the list replaces the old one)`,
        );
        continue;
      }
      if (u.origin !== origin) {
        r.fail(
          `${label}: origin "${origin}" never equals the Origin header browsers send (${u.origin})`,
          `${update} --origin ${u.origin} (repeat for each; the list replaces the old one)`,
        );
      }
      origins.push(u.origin);
      if (production && u.protocol !== "https:" && !isLocalHost(u.hostname)) {
        r.fail(`${label}: origin ${origin} is not https`, `${update} --origin https://${u.host}`);
      }
    }
    if (site.returnUrlAllowlist.length === 0) {
      r.fail(
        `${label} has no return URLs: every booking attempt fails with 400 returnUrl`,
        `${update} --return-url https://your.site/booking`,
      );
    }
    for (const raw of site.returnUrlAllowlist) {
      let u: URL | undefined;
      try {
        u = new URL(raw);
      } catch {
        u = undefined;
      }
      if (!u || (u.protocol !== "https:" && u.protocol !== "http:")) {
        r.fail(`${label}: return URL "${raw}" is not an http(s) URL`, `${update} --return-url <url>`);
      } else if (!origins.includes(u.origin)) {
        r.fail(
          `${label}: return URL ${raw} is not on one of the site's origins (${site.allowedOrigins.join(", ") || "none"})`,
          `${update} --return-url <a page on ${origins[0] ?? "the site's origin"}>`,
        );
      } else if (production && u.protocol !== "https:" && !isLocalHost(u.hostname)) {
        r.fail(`${label}: return URL ${raw} is not https`, `${update} --return-url https://${u.host}${u.pathname}`);
      }
    }
    if (site.requireCustomerToken && !site.customerTokenSecret && !site.customerTokenJwksUrl) {
      r.fail(
        `${label} requires customer tokens but has no secret or JWKS URL to verify them`,
        `${update} --customer-token-secret <32+ characters> (or --jwks-url https://…)`,
      );
    }
    if (r.results.length === before) {
      r.pass(
        `${label}: ${site.allowedOrigins.length} origin(s), ${site.returnUrlAllowlist.length} return URL(s)` +
          (site.requireCustomerToken ? ", customer token required" : ""),
      );
    }
  }

  const keys = await input.db.prisma.partnerKey.findMany({
    where: { revokedAt: null },
    orderBy: { createdAt: "asc" },
    omit: { secretHash: true },
  });
  for (const key of keys) {
    const label = `partner key ${key.prefix} ("${key.name}")`;
    const unknown = key.scopes.filter((s) => !(PARTNER_SCOPES as readonly string[]).includes(s));
    const before = r.results.length;
    if (unknown.length > 0) {
      r.warn(`${label} has unknown scopes ${unknown.join(", ")}`, `scopes are ${PARTNER_SCOPES.join(", ")}`);
    }
    if (key.scopes.includes("bookings:write") && key.returnUrlAllowlist.length === 0) {
      r.fail(
        `${label} may write bookings but has no return URLs: every booking attempt fails with 400 returnUrl`,
        `create a new key with --return-url, then: npm run admin -- partner-keys revoke ${key.prefix}`,
      );
    }
    for (const raw of key.returnUrlAllowlist) {
      let ok = false;
      try {
        const u = new URL(raw);
        ok = (u.protocol === "https:" || (!production && u.protocol === "http:")) && !u.username && !u.password;
      } catch {
        ok = false;
      }
      if (!ok) {
        r.fail(
          `${label}: return URL "${raw}" is not ${production ? "an https" : "an http(s)"} URL`,
          "create a new key with valid --return-url values and revoke this one",
        );
      }
    }
    if (r.results.length === before) r.pass(`${label}: scopes ${key.scopes.join(", ")}`);
  }
}
