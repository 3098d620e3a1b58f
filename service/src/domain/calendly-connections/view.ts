// How a partner sees a builder's Calendly: the connection (never a token) and the event types a
// session type can be attached to, read live with the builder's own token.
import type { Builder } from "../../generated/prisma/client.js";
import { AppError, notFound, unprocessable } from "../../lib/errors.js";
import { type EventType, isCalendlyError, uuidFromUri } from "../../providers/calendly.js";
import { builderWhere } from "../bookability.js";
import type { DomainContext } from "../context.js";
import { calendlyFor } from "./client.js";

export interface CalendlyEventTypeView {
  uri: string;
  name: string;
  durationMinutes: number;
  schedulingUrl: string;
  active: boolean;
}

export interface CalendlyConnectionView {
  /** oauth: the builder's own Calendly; token: the operator's CALENDLY_TOKEN; none: not connected. */
  mode: "oauth" | "token" | "none";
  connected: boolean;
  /** Why it is not connected (`calendly_disconnected` once a connection was lost). */
  reason: string | null;
  /** refresh_rejected, token_revoked or disconnected_by_partner, once disconnected. */
  disconnectReason: string | null;
  user: { uri: string; name: string } | null;
  scopes: string[];
  webhook: { state: string | null; checkedAt: string | null };
  connectedAt: string | null;
  /** The builder's Calendly event types; null when they could not be read (see eventTypesError). */
  eventTypes: CalendlyEventTypeView[] | null;
  eventTypesError?: string;
}

type CalendlyBuilder = Pick<Builder, "id" | "name" | "calendlyConnectionStatus" | "calendlyUserUri">;

function toEventTypeView(et: EventType): CalendlyEventTypeView {
  return {
    uri: et.uri,
    name: et.name,
    durationMinutes: et.duration,
    schedulingUrl: et.scheduling_url,
    active: et.active,
  };
}

/** The builder's Calendly event types, with the builder's token. */
export async function builderEventTypes(ctx: DomainContext, builder: CalendlyBuilder): Promise<EventType[]> {
  const client = calendlyFor(ctx, builder);
  let user = builder.calendlyUserUri;
  if (!user) user = (await ctx.metrics.time("calendly", "get_current_user", () => client.getCurrentUser())).uri;
  const types: EventType[] = [];
  let pageToken: string | undefined;
  do {
    const page = await ctx.metrics.time("calendly", "list_event_types", () =>
      client.listEventTypes({ user: user!, count: 100, ...(pageToken ? { pageToken } : {}) }),
    );
    types.push(...page.collection);
    pageToken = page.pagination.next_page_token ?? undefined;
  } while (pageToken && types.length < 500);
  return types;
}

export async function calendlyConnectionView(ctx: DomainContext, builderId: string): Promise<CalendlyConnectionView> {
  const builder = await ctx.prisma.builder.findUniqueOrThrow({
    where: { id: builderId },
    include: { calendlyConnection: true },
  });
  const row = builder.calendlyConnection;
  const connected = row?.status === "CONNECTED";
  const mode = row ? "oauth" : ctx.config.calendly.token ? "token" : "none";
  const view: CalendlyConnectionView = {
    mode,
    connected: mode === "token" || connected,
    reason: row && !connected ? "calendly_disconnected" : mode === "none" ? "calendly_not_connected" : null,
    disconnectReason: row && !connected ? row.statusReason : null,
    user: row ? { uri: row.calendlyUserUri, name: row.calendlyUserName } : null,
    scopes: row?.scopes ?? [],
    webhook: { state: row?.webhookState ?? null, checkedAt: row?.webhookCheckedAt?.toISOString() ?? null },
    connectedAt: row?.connectedAt.toISOString() ?? null,
    eventTypes: null,
  };
  // Event types are the builder's own: read only through their connection.
  if (connected) {
    try {
      view.eventTypes = (await builderEventTypes(ctx, builder)).map(toEventTypeView);
    } catch (error) {
      if (!(error instanceof AppError) && !isCalendlyError(error)) throw error;
      view.eventTypesError =
        error instanceof AppError
          ? error.code
          : error.kind === "rate_limited"
            ? "calendly_rate_limited"
            : "calendly_unavailable";
      if (error instanceof AppError && error.code === "calendly_disconnected") {
        view.connected = false;
        view.reason = "calendly_disconnected";
      }
    }
  }
  return view;
}

/**
 * The event type `uri` names, if it is one of the builder's: what a session type is attached to.
 * 422 `event_type_invalid` otherwise; 409 `calendly_disconnected`; 429 when Calendly limits.
 */
export async function builderEventType(ctx: DomainContext, ref: string, uri: string): Promise<EventType> {
  const builder = await ctx.prisma.builder.findUnique({ where: builderWhere(ref) });
  if (!builder) throw notFound("builder_not_found", `builder: no builder "${ref}" exists`);
  let types: EventType[];
  try {
    types = await builderEventTypes(ctx, builder);
  } catch (error) {
    if (isCalendlyError(error)) {
      if (error.kind === "rate_limited") {
        throw new AppError(
          429,
          "calendly_rate_limited",
          "Calendly is limiting this builder's requests; retry shortly",
          {
            retryable: true,
            ...(error.retryAfterMs ? { retryAfterSeconds: Math.ceil(error.retryAfterMs / 1000) } : {}),
          },
        );
      }
      if (error.kind === "unauthorized") {
        throw new AppError(409, "calendly_not_connected", `builder: ${builder.name} has no usable Calendly connection`);
      }
      throw new AppError(502, "calendly_unavailable", "Calendly did not answer; please retry", { retryable: true });
    }
    throw error;
  }
  const wanted = uuidFromUri(uri);
  const match = types.find((t) => uuidFromUri(t.uri) === wanted);
  if (!match) {
    throw unprocessable(
      "event_type_invalid",
      `calendlyEventTypeUri: is not one of ${builder.name}'s Calendly event types`,
      "calendlyEventTypeUri",
    );
  }
  if (!match.active) {
    throw unprocessable(
      "event_type_inactive",
      "calendlyEventTypeUri: this Calendly event type is turned off",
      "calendlyEventTypeUri",
    );
  }
  return match;
}
