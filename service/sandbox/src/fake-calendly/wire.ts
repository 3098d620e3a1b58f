// Calendly API v2 as the fake serves it: the resource and webhook shapes, and how a resource's
// UUID is read from its URI. The fake keeps its own reading of the API, independent of the
// service's client (a type check in the service's tests keeps the two in agreement).

// ---------------------------------------------------------------------------------------------
// Resource types (the subset of Calendly API v2 the fake serves)
// ---------------------------------------------------------------------------------------------

export type Timestamp = string; // ISO 8601, e.g. "2019-08-24T14:15:22.123456Z"

export interface Pagination {
  count: number;
  next_page: string | null;
  next_page_token: string | null;
  previous_page: string | null;
  previous_page_token: string | null;
}

export interface Collection<T> {
  collection: T[];
  pagination: Pagination;
}

export interface CalendlyUser {
  uri: string;
  name: string;
  slug: string;
  email: string;
  scheduling_url: string;
  timezone: string;
  avatar_url: string | null;
  locale?: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  current_organization: string;
  resource_type?: "User";
}

export interface CalendlyOrganization {
  uri: string;
  name: string;
  plan: string;
  stage: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OrganizationMembership {
  uri: string;
  role: "user" | "admin" | "owner";
  user: {
    uri: string;
    name: string;
    slug: string;
    email: string;
    scheduling_url: string;
    timezone: string;
    avatar_url: string | null;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  organization: string;
  updated_at: Timestamp;
  created_at: Timestamp;
}

export interface EventType {
  uri: string;
  name: string;
  active: boolean;
  slug: string | null;
  scheduling_url: string;
  duration: number;
  duration_options?: number[] | null;
  kind: "solo" | "group";
  pooling_type: "round_robin" | "collective" | "multi_pool" | null;
  type: "StandardEventType" | "AdhocEventType";
  color: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  internal_note: string | null;
  description_plain: string | null;
  description_html: string | null;
  profile: { type: "User" | "Team"; name: string; owner: string } | null;
  secret: boolean;
  booking_method?: "instant" | "poll";
  custom_questions: Array<{
    name: string;
    type: string;
    position: number;
    enabled: boolean;
    required: boolean;
    answer_choices: string[];
    include_other: boolean;
  }>;
  deleted_at?: Timestamp | null;
  admin_managed?: boolean;
}

export interface Cancellation {
  canceled_by: string;
  reason: string | null;
  canceler_type: "host" | "invitee";
  created_at: Timestamp;
}

export interface EventLocation {
  type: string;
  location?: string | null;
  join_url?: string | null;
  status?: string | null;
}

export interface ScheduledEvent {
  uri: string;
  name: string;
  meeting_notes_plain?: string | null;
  meeting_notes_html?: string | null;
  status: "active" | "canceled";
  start_time: Timestamp;
  end_time: Timestamp;
  event_type: string;
  location: EventLocation;
  invitees_counter: { total: number; active: number; limit: number };
  created_at: Timestamp;
  updated_at: Timestamp;
  event_memberships: Array<{ user: string; user_email?: string; user_name?: string }>;
  event_guests?: Array<{ email: string; created_at: Timestamp; updated_at: Timestamp }>;
  cancellation?: Cancellation;
}

/** The keys of an invitee's tracking, in Calendly's order. */
export const TRACKING_KEYS = [
  "utm_campaign",
  "utm_source",
  "utm_medium",
  "utm_content",
  "utm_term",
  "salesforce_uuid",
] as const satisfies readonly (keyof Tracking)[];

export interface Tracking {
  utm_campaign: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_content: string | null;
  utm_term: string | null;
  salesforce_uuid: string | null;
}

export interface QuestionAndAnswer {
  question: string;
  answer: string;
  position: number;
}

export interface Invitee {
  uri: string;
  email: string;
  name: string;
  first_name: string | null;
  last_name: string | null;
  status: "active" | "canceled";
  timezone: string | null;
  event: string;
  tracking: Tracking;
  questions_and_answers: QuestionAndAnswer[];
  text_reminder_number?: string | null;
  rescheduled: boolean;
  old_invitee: string | null;
  new_invitee: string | null;
  cancel_url: string;
  reschedule_url: string;
  routing_form_submission?: string | null;
  payment?: unknown;
  no_show?: unknown;
  reconfirmation?: unknown;
  scheduling_method?: string | null;
  invitee_scheduled_by?: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  cancellation?: Cancellation;
}

/** One bookable start time of an event type (GET /event_type_available_times). */
export interface AvailableTime {
  status: "available";
  invitees_remaining: number;
  start_time: Timestamp;
  scheduling_url: string;
}

export interface WebhookSubscription {
  uri: string;
  callback_url: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  retry_started_at: Timestamp | null;
  state: "active" | "disabled";
  events: string[];
  scope: "user" | "organization" | "group";
  organization: string;
  user: string | null;
  group?: string | null;
  creator: string | null;
  /** Not part of Calendly's API (it never reveals the key); the sandbox reports it for `doctor`. */
  has_signing_key?: boolean;
}

export type CalendlyWebhookEventName = "invitee.created" | "invitee.canceled";

/** The invitee as delivered in a webhook: the API resource with the scheduled event embedded. */
export type InviteeWebhookPayload = Invitee & { scheduled_event: ScheduledEvent };

/** Body of a Calendly webhook delivery. */
export interface CalendlyWebhookBody {
  event: CalendlyWebhookEventName;
  created_at: Timestamp;
  created_by: string;
  payload: InviteeWebhookPayload;
}

/**
 * The UUID of a Calendly resource: the last path segment of its URI. URI hosts differ between
 * API, scheduling pages and the sandbox, so resources are compared by this value only.
 * A bare UUID is returned unchanged. Returns "" when there is no segment.
 */
export function uuidFromUri(uri: string): string {
  let path = uri.trim();
  try {
    path = new URL(path).pathname;
  } catch {
    path = path.split(/[?#]/, 1)[0] ?? "";
  }
  const segments = path.split("/").filter((s) => s.length > 0);
  const last = segments[segments.length - 1] ?? "";
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
