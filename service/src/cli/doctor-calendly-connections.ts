// The doctor's report on builders' own Calendly connections (OAuth): each builder's status, the
// webhook subscription the health check keeps, and tokens under a key that is no longer configured
// or not the current one. Read from the database only: no token is used or refreshed here.
import { redirectUri } from "../domain/calendly-connections/connect.js";
import { type DoctorInput, dbNotReady, type Report } from "./doctor-report.js";

export async function calendlyConnectionChecks(r: Report, input: DoctorInput, dbReady: boolean): Promise<void> {
  r.in("Calendly");
  const { config } = input;
  if (!config.calendly.oauth) {
    r.info("Calendly OAuth is not configured: every builder is verified with CALENDLY_TOKEN");
    return;
  }
  r.pass(
    `Calendly OAuth app ${config.calendly.oauth.clientId} at ${config.calendly.oauth.authBase}; ` +
      `register the redirect URI ${redirectUri(config)}`,
  );
  if (!dbReady || !input.db) {
    r.info(`builders' Calendly connections not checked: ${dbNotReady(input)}`);
    return;
  }
  const builders = await input.db.prisma.builder.findMany({
    where: { isDemo: false },
    include: { calendlyConnection: true },
    orderBy: { slug: "asc" },
  });
  const keyIds = config.calendly.tokenKeys.map((k) => k.id);
  let oldKey = 0;
  for (const b of builders) {
    const c = b.calendlyConnection;
    const who = `builder ${b.name} (${b.slug})`;
    const reconnect = `the builder connects again: POST /v1/partner/builders/${b.id}/calendly/connect`;
    if (!c) {
      if (config.calendly.token) r.info(`${who}: no Calendly connection; verified with CALENDLY_TOKEN`);
      else r.warn(`${who}: has not connected their Calendly and cannot be booked`, reconnect);
      continue;
    }
    if (c.status === "DISCONNECTED") {
      r.warn(
        `${who}: Calendly disconnected (${c.statusReason ?? "unknown reason"}) since ${c.disconnectedAt?.toISOString() ?? "?"}; unavailable`,
        reconnect,
      );
      continue;
    }
    if (!keyIds.includes(c.tokenKeyId)) {
      r.fail(
        `${who}: tokens are encrypted under key "${c.tokenKeyId}", which CALENDLY_TOKEN_ENCRYPTION_KEYS no longer lists`,
        `put key "${c.tokenKeyId}" back in CALENDLY_TOKEN_ENCRYPTION_KEYS (after the current one), or ${reconnect}`,
      );
      continue;
    }
    if (c.tokenKeyId !== keyIds[0]) oldKey++;
    const webhook =
      c.webhookState === "active"
        ? "webhook subscription active"
        : `webhook subscription ${c.webhookState ?? "not created"}`;
    const line = `${who}: connected as ${c.calendlyUserName} (${c.scopes.join(" ") || "no scopes"}); ${webhook}`;
    if (c.webhookState === "active") r.pass(line);
    else {
      r.warn(
        line,
        "the service's health check creates it again every CALENDLY_HEALTH_INTERVAL_SECONDS; check that Calendly can reach PUBLIC_URL/webhooks/calendly",
      );
    }
  }
  if (oldKey > 0) {
    r.info(
      `${oldKey} connection(s) still encrypted under an older key; they move to "${keyIds[0]}" at their next token refresh, or at once with npm run admin -- calendly reencrypt`,
    );
  }
}
