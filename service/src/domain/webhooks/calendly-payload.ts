// What a signed Calendly delivery must look like before any handler reads it. The signature
// says who sent it, not that it is well formed: an invitee event is checked whole, so a missing
// field or a malformed time answers 400 naming the field instead of failing in a handler.
import { z } from "zod";
import type { CalendlyWebhookBody } from "../../providers/calendly.js";

const time = z.iso.datetime({ offset: true });
const uri = z.url();

const CancellationSchema = z.looseObject({
  canceler_type: z.enum(["host", "invitee"]),
  reason: z.string().nullish(),
  created_at: time,
});

const InviteePayloadSchema = z.looseObject({
  uri,
  email: z.string().min(1),
  name: z.string().min(1),
  status: z.enum(["active", "canceled"]),
  timezone: z.string().nullish(),
  tracking: z.looseObject({ utm_content: z.string().nullish() }).nullish(),
  rescheduled: z.boolean(),
  old_invitee: uri.nullish(),
  new_invitee: uri.nullish(),
  cancellation: CancellationSchema.nullish(),
  updated_at: time.nullish(),
  scheduled_event: z
    .looseObject({
      uri,
      status: z.enum(["active", "canceled"]),
      start_time: time,
      end_time: time,
      event_type: uri,
    })
    .refine((e) => Date.parse(e.end_time) > Date.parse(e.start_time), {
      message: "must end after it starts",
      path: ["end_time"],
    }),
});

/** Events the service does not handle still need an id (the payload's uri) to be logged once. */
const OtherEventSchema = z.looseObject({
  event: z.string().min(1).max(255),
  payload: z.looseObject({ uri }),
});

const InviteeEventSchema = z.looseObject({
  event: z.enum(["invitee.created", "invitee.canceled"]),
  created_at: time.optional(),
  payload: InviteePayloadSchema,
});

export type CalendlyBodyCheck = { ok: true; body: CalendlyWebhookBody } | { ok: false; field: string; message: string };

/** Validates a parsed delivery; a failure names the first offending field, e.g. `payload.scheduled_event.start_time`. */
export function parseCalendlyBody(json: unknown): CalendlyBodyCheck {
  const event = (json as { event?: unknown } | null)?.event;
  const schema = event === "invitee.created" || event === "invitee.canceled" ? InviteeEventSchema : OtherEventSchema;
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, body: parsed.data as unknown as CalendlyWebhookBody };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join(".") : "body";
  return { ok: false, field, message: `${field}: ${issue.message}` };
}
