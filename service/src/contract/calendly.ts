// A builder's Calendly connection as a partner sees it: never a token.
import { z } from "zod";

const exampleConnection = {
  mode: "oauth",
  connected: true,
  reason: null,
  disconnectReason: null,
  user: { uri: "https://api.calendly.com/users/AAAAAAAAAAAAAAAA", name: "Ada Lovelace" },
  scopes: ["users:read", "event_types:read", "scheduled_events:read", "scheduled_events:write", "webhooks:write"],
  webhook: { state: "active", checkedAt: "2026-03-02T15:00:00.000Z" },
  connectedAt: "2026-03-02T14:58:12.000Z",
  eventTypes: [
    {
      uri: "https://api.calendly.com/event_types/BBBBBBBBBBBBBBBB",
      name: "Architecture review",
      durationMinutes: 60,
      schedulingUrl: "https://calendly.com/ada-lovelace/architecture-review",
      active: true,
    },
  ],
};

export const CalendlyConnectionSchema = z
  .object({
    mode: z
      .enum(["oauth", "token", "none"])
      .describe("oauth: the builder's own Calendly; token: the operator's CALENDLY_TOKEN; none: not connected"),
    connected: z.boolean(),
    reason: z
      .string()
      .nullable()
      .describe("Why it is not connected: calendly_disconnected (connect again) or calendly_not_connected"),
    disconnectReason: z
      .string()
      .nullable()
      .describe("refresh_rejected, token_revoked or disconnected_by_partner, once disconnected"),
    user: z.object({ uri: z.string(), name: z.string() }).nullable().describe("The Calendly user it acts for"),
    scopes: z.array(z.string()).describe("The scopes the builder granted"),
    webhook: z.object({
      state: z
        .string()
        .nullable()
        .describe("The builder's webhook subscription: active, or failed (the health check retries)"),
      checkedAt: z.string().nullable(),
    }),
    connectedAt: z.string().nullable(),
    eventTypes: z
      .array(
        z.object({
          uri: z.string().describe("Pass as calendlyEventTypeUri to attach a session type"),
          name: z.string(),
          durationMinutes: z.number().int(),
          schedulingUrl: z.string(),
          active: z.boolean(),
        }),
      )
      .nullable()
      .describe("The builder's Calendly event types; null without a connection or when Calendly could not be read"),
    eventTypesError: z
      .string()
      .optional()
      .describe("Why eventTypes is null: calendly_rate_limited, calendly_unavailable, calendly_disconnected"),
  })
  .meta({ id: "CalendlyConnection", examples: [exampleConnection] });

/** What starting a connection answers: the consent page to send the builder to. */
export const CalendlyConnectStartedSchema = z
  .object({
    authorizeUrl: z.string().describe("Calendly's consent page: send the builder's browser there"),
    expiresAt: z.string().describe("The request must be completed by then (10 minutes)"),
  })
  .meta({ id: "CalendlyConnectStarted" });
