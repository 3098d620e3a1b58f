// The checks behind `npm run doctor`: given a configuration, an open database and provider
// clients, they say what is wrong with a deployment and how to fix it. Nothing here writes to
// the database or to a provider; the CLI (doctor.ts) only wires it up and prints the result.

import { calendlyChecks } from "./doctor-calendly.js";
import { calendlyConnectionChecks } from "./doctor-calendly-connections.js";
import { configurationChecks, redisCheck } from "./doctor-configuration.js";
import { connectChecks } from "./doctor-connect.js";
import { databaseChecks } from "./doctor-database.js";
import { payFirstChecks } from "./doctor-pay-first.js";
import {
  type CheckResult,
  type CheckStatus,
  type DoctorInput,
  errorText,
  Report,
  SECTIONS,
  type Section,
  webhookBase,
} from "./doctor-report.js";
import { serviceCheck } from "./doctor-service.js";
import { siteChecks } from "./doctor-sites.js";
import { stripeChecks } from "./doctor-stripe.js";

export {
  type CheckResult,
  type CheckStatus,
  type DoctorInput,
  type DoctorStripe,
  normalizeUrl,
  SECTIONS,
  type Section,
  webhookBase,
} from "./doctor-report.js";

export async function runDoctor(input: DoctorInput): Promise<CheckResult[]> {
  const r = new Report("Configuration");
  const base = webhookBase(input.config, input.publicUrl);
  configurationChecks(r, input, base);
  await redisCheck(r, input);
  const dbReady = await databaseChecks(r, input);
  if (input.db && !dbReady) {
    r.in("Database").info("builder, site and delivery checks need a migrated database; they are skipped");
  }
  const guarded = async (section: Section, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      r.in(section).fail(
        `the ${section} checks stopped: ${errorText(error)}`,
        "fix the problem above and run the doctor again",
      );
    }
  };
  // Without CALENDLY_TOKEN (OAuth only) there is no operator account to check.
  if (input.config.calendly.token || !input.config.calendly.oauth) {
    await guarded("Calendly", () => calendlyChecks(r, input, base, dbReady));
  }
  await guarded("Calendly", () => calendlyConnectionChecks(r, input, dbReady));
  await guarded("Calendly", () => payFirstChecks(r, input, dbReady));
  await guarded("Stripe", () => stripeChecks(r, input, base, dbReady));
  await guarded("Stripe", () => connectChecks(r, input, base, dbReady));
  await guarded("Sites and partner keys", () => siteChecks(r, input, dbReady));
  await guarded("Service", () => serviceCheck(r, input, base));
  return r.results;
}

export function hasFailures(results: readonly CheckResult[]): boolean {
  return results.some((c) => c.status === "fail");
}

const SYMBOL: Record<CheckStatus, string> = { pass: "✔", fail: "✖", warn: "!", info: "·" };

/** One line per check, grouped by section; failed and warning lines end with their fix. */
export function formatReport(results: readonly CheckResult[], title: string): string {
  const lines = [title];
  for (const section of SECTIONS) {
    const inSection = results.filter((c) => c.section === section);
    if (inSection.length === 0) continue;
    lines.push("", section);
    for (const c of inSection) {
      lines.push(`  ${SYMBOL[c.status]} ${c.message}${c.fix ? ` — fix: ${c.fix}` : ""}`);
    }
  }
  const failed = results.filter((c) => c.status === "fail").length;
  const warned = results.filter((c) => c.status === "warn").length;
  const passed = results.filter((c) => c.status === "pass").length;
  lines.push("");
  lines.push(
    failed > 0
      ? `✖ ${failed} problem(s), ${warned} warning(s), ${passed} check(s) passed. Fix the ✖ lines and run the doctor again.`
      : `✔ ${passed} check(s) passed${warned ? `, ${warned} warning(s)` : ""}.`,
  );
  return lines.join("\n");
}
