// In-memory state of the fake Calendly: hosts (users), event types, scheduled events, invitees,
// and the cancellation log. Builds API v2-shaped resources from its records.
import { randomUUID } from "node:crypto";
import {
  type AnswerInput,
  type CustomQuestionRecord,
  checkAnswers,
  customQuestionRecords,
  customQuestionResource,
  type FakeCustomQuestionConfig,
} from "./questions.js";
import type { SchedulingTier } from "./scheduling-limits.js";
import { SCHEDULING_TIERS } from "./scheduling-limits.js";
import type {
  CalendlyOrganization,
  CalendlyUser,
  Cancellation,
  EventLocation,
  EventType,
  Invitee,
  OrganizationMembership,
  QuestionAndAnswer,
  ScheduledEvent,
  Tracking,
} from "./wire.js";
import { uuidFromUri } from "./wire.js";

export interface FakeEventTypeConfig {
  userUuid: string;
  userSlug: string;
  userName: string;
  userEmail: string;
  eventTypeUuid: string;
  slug: string;
  name: string;
  durationMinutes: number;
  /** The booking form's questions after name and e-mail (Calendly's `custom_questions`). */
  customQuestions?: FakeCustomQuestionConfig[];
}

/** One more sandbox user (a Calendly account of its own): its profile and its event types. */
export interface FakeUserConfig {
  /** Default: a random UUID. */
  uuid?: string;
  /** Scheduling page path segment, `${origin}/{slug}`. */
  slug: string;
  name: string;
  email: string;
  timezone?: string;
  eventTypes: Array<{
    uuid?: string;
    slug: string;
    name: string;
    durationMinutes: number;
    customQuestions?: FakeCustomQuestionConfig[];
  }>;
  /**
   * The organization the user belongs to. Default "own": a one-person organization of its own, as a
   * Calendly account starts out; "shared": the organization of the users given as `eventTypes`.
   */
  organization?: "own" | "shared";
  /** API requests per minute for this user (Calendly: 500 on paid plans, 50 on Free). Default: the fake's. */
  rateLimitPerMinute?: number;
  /** The Scheduling API's (POST /invitees) limits this user gets. Default: the fake's (`paid`). */
  schedulingTier?: SchedulingTier;
}

/** What `addUser` returns: the new user's URIs and pages. */
export interface FakeUserInfo {
  uuid: string;
  uri: string;
  slug: string;
  name: string;
  email: string;
  organizationUri: string;
  /** `${origin}/{slug}`. */
  schedulingUrl: string;
  eventTypes: Array<{ uuid: string; uri: string; slug: string; name: string; schedulingUrl: string }>;
}

export interface ScheduleInput {
  eventTypeUuid: string;
  /** ISO time or Date. Omitted: the next free slot. */
  startTime?: string | Date;
  name: string;
  email: string;
  firstName?: string;
  lastName?: string;
  /** IANA zone the invitee picked; default "UTC". */
  timezone?: string;
  guests?: string[];
  /** Answers to custom questions a1…a10: answer i is for the question at position i. */
  answers?: string[];
  utmContent?: string;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  utmTerm?: string;
  salesforceUuid?: string;
  /** Snake-case tracking as in the page URL / API; the camelCase fields above win. */
  tracking?: Partial<Tracking>;
}

export interface CancellationLogEntry {
  eventUuid: string;
  eventUri: string;
  /** "api": POST /scheduled_events/{uuid}/cancellation; "invitee": fake.cancel / cancel page; "reschedule". */
  source: "api" | "invitee" | "reschedule";
  cancelerType: "host" | "invitee";
  reason: string | null;
  at: string;
}

interface HostRecord {
  uuid: string;
  uri: string;
  slug: string;
  name: string;
  email: string;
  timezone: string;
  organizationUuid: string;
  membershipUuid: string;
  /** Owner of its organization (the first user in it), else a plain member. */
  role: "owner" | "user";
  rateLimitPerMinute?: number;
  createdAt: Date;
}

interface OrganizationRecord {
  uuid: string;
  uri: string;
  name: string;
  createdAt: Date;
}

interface EventTypeRecord {
  uuid: string;
  uri: string;
  hostUuid: string;
  slug: string;
  name: string;
  durationMinutes: number;
  customQuestions: CustomQuestionRecord[];
  createdAt: Date;
}

interface EventRecord {
  uuid: string;
  uri: string;
  eventTypeUuid: string;
  hostUuid: string;
  start: Date;
  end: Date;
  status: "active" | "canceled";
  guests: Array<{ email: string; createdAt: Date }>;
  /** Where the meeting happens when the booking chose it (the Scheduling API's `location`). */
  location?: EventLocation;
  createdAt: Date;
  updatedAt: Date;
  cancellation?: Cancellation;
}

interface InviteeRecord {
  uuid: string;
  uri: string;
  eventUuid: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  email: string;
  timezone: string;
  status: "active" | "canceled";
  tracking: Tracking;
  questionsAndAnswers: QuestionAndAnswer[];
  rescheduled: boolean;
  oldInvitee: string | null;
  newInvitee: string | null;
  /** "instant_book" for a Scheduling API booking; null for one made on the scheduling page. */
  schedulingMethod: string | null;
  /** The user whose token booked through the Scheduling API; null for a page booking. */
  scheduledBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  cancellation?: Cancellation;
}

/** What a new invitee is made of (the rest is derived). */
type InviteeFields = Pick<
  InviteeRecord,
  | "name"
  | "email"
  | "firstName"
  | "lastName"
  | "timezone"
  | "tracking"
  | "questionsAndAnswers"
  | "oldInvitee"
  | "schedulingMethod"
  | "scheduledBy"
>;

interface Booking {
  guests: Array<string | { email: string; createdAt: Date }>;
  location?: EventLocation;
  invitee: InviteeFields;
}

/** A Scheduling API booking, its input already checked (`api-scheduling.ts`). */
export interface ApiBookingInput {
  eventTypeUuid: string;
  start: Date;
  name: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  timezone: string;
  tracking: Tracking;
  answers: AnswerInput[];
  guests: string[];
  location?: EventLocation;
  /** URI of the user whose token made the call. */
  scheduledBy: string;
}

export class FakeCalendlyError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 429,
    readonly title: string,
    message: string,
    readonly details?: Array<{ parameter: string; message: string }>,
  ) {
    super(message);
    this.name = "FakeCalendlyError";
  }
}

const notFound = (what: string) =>
  new FakeCalendlyError(404, "Resource Not Found", `The server could not find the requested ${what}.`);
const invalid = (parameter: string, message: string) =>
  new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", [{ parameter, message }]);

/** Calendly prints microseconds: 2019-08-24T14:15:22.123456Z. */
export function calendlyTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const WORKDAY_START_HOUR = 9;
const WORKDAY_END_HOUR = 17;
/** How far ahead event types have slots. */
const SLOT_HORIZON_DAYS = 730;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]*$/i;

export class FakeStore {
  /** The organization of the users given as event types (the personal access token's). */
  readonly organizationUuid = randomUUID();
  readonly organizationUri: string;
  readonly createdAt = new Date();
  private readonly organizations = new Map<string, OrganizationRecord>();
  private readonly hosts = new Map<string, HostRecord>();
  private readonly eventTypes = new Map<string, EventTypeRecord>();
  private readonly events = new Map<string, EventRecord>();
  private readonly invitees = new Map<string, InviteeRecord>();
  readonly cancellations: CancellationLogEntry[] = [];

  constructor(
    readonly origin: string,
    readonly apiBase: string,
    eventTypes: FakeEventTypeConfig[],
    private readonly now: () => Date = () => new Date(),
  ) {
    this.organizationUri = `${apiBase}/organizations/${this.organizationUuid}`;
    this.organizations.set(this.organizationUuid, {
      uuid: this.organizationUuid,
      uri: this.organizationUri,
      name: "Sandbox organization",
      createdAt: this.createdAt,
    });
    if (eventTypes.length === 0) throw new Error("fake Calendly needs at least one event type");
    for (const et of eventTypes) {
      if (!this.hosts.has(et.userUuid)) {
        this.createHost({
          uuid: et.userUuid,
          slug: et.userSlug,
          name: et.userName,
          email: et.userEmail,
          organizationUuid: this.organizationUuid,
        });
      }
      this.createEventType(et.userUuid, {
        uuid: et.eventTypeUuid,
        slug: et.slug,
        name: et.name,
        durationMinutes: et.durationMinutes,
        customQuestions: customQuestionRecords(et.customQuestions, `event type ${et.eventTypeUuid}`),
      });
    }
  }

  private createHost(input: {
    uuid: string;
    slug: string;
    name: string;
    email: string;
    timezone?: string;
    organizationUuid: string;
    rateLimitPerMinute?: number;
  }): HostRecord {
    if (this.hosts.has(input.uuid)) throw new Error(`user ${input.uuid} exists already`);
    if (this.hostBySlug(input.slug)) throw new Error(`user slug ${input.slug} is used by two users`);
    const firstInOrg = ![...this.hosts.values()].some((h) => h.organizationUuid === input.organizationUuid);
    const host: HostRecord = {
      uuid: input.uuid,
      uri: `${this.apiBase}/users/${input.uuid}`,
      slug: input.slug,
      name: input.name,
      email: input.email,
      timezone: input.timezone ?? "UTC",
      organizationUuid: input.organizationUuid,
      membershipUuid: randomUUID(),
      role: firstInOrg ? "owner" : "user",
      createdAt: this.now(),
    };
    if (input.rateLimitPerMinute !== undefined) host.rateLimitPerMinute = input.rateLimitPerMinute;
    this.hosts.set(host.uuid, host);
    return host;
  }

  private createEventType(
    hostUuid: string,
    input: {
      uuid: string;
      slug: string;
      name: string;
      durationMinutes: number;
      customQuestions: CustomQuestionRecord[];
    },
  ): EventTypeRecord {
    if (!(input.durationMinutes > 0)) throw new Error(`event type ${input.uuid}: durationMinutes must be > 0`);
    if (this.eventTypes.has(input.uuid)) throw new Error(`event type ${input.uuid} listed twice`);
    const record: EventTypeRecord = {
      uuid: input.uuid,
      uri: `${this.apiBase}/event_types/${input.uuid}`,
      hostUuid,
      slug: input.slug,
      name: input.name,
      durationMinutes: input.durationMinutes,
      customQuestions: input.customQuestions,
      createdAt: this.now(),
    };
    this.eventTypes.set(record.uuid, record);
    return record;
  }

  /**
   * A new sandbox user with its event types, in an organization of its own unless told otherwise.
   * Checks everything before creating anything.
   */
  addUser(config: FakeUserConfig, reservedSlugs: ReadonlySet<string> = new Set()): FakeUserInfo {
    const uuid = config.uuid ?? randomUUID();
    const problem = (message: string) => new Error(`addUser: ${message}`);
    if (!UUID_PATTERN.test(uuid)) throw problem("uuid must be a UUID");
    if (this.hosts.has(uuid)) throw problem(`user ${uuid} exists already`);
    if (typeof config.slug !== "string" || !SLUG_PATTERN.test(config.slug)) {
      throw problem("slug must be letters, digits and dashes");
    }
    if (reservedSlugs.has(config.slug)) throw problem(`user slug "${config.slug}" is reserved`);
    if (this.hostBySlug(config.slug)) throw problem(`user slug ${config.slug} is taken`);
    if (typeof config.name !== "string" || !config.name.trim()) throw problem("name is required");
    if (typeof config.email !== "string" || !/^[^\s@]+@[^\s@]+$/.test(config.email)) {
      throw problem("email must be an email address");
    }
    if (
      config.rateLimitPerMinute !== undefined &&
      !(Number.isInteger(config.rateLimitPerMinute) && config.rateLimitPerMinute > 0)
    ) {
      throw problem("rateLimitPerMinute must be a positive integer");
    }
    if (
      config.schedulingTier !== undefined &&
      !(SCHEDULING_TIERS as readonly string[]).includes(config.schedulingTier)
    ) {
      throw problem(`schedulingTier must be one of ${SCHEDULING_TIERS.join(", ")}`);
    }
    if (!Array.isArray(config.eventTypes)) throw problem("eventTypes must be an array");
    const types = config.eventTypes.map((et) => {
      const uuid = et.uuid ?? randomUUID();
      let customQuestions: CustomQuestionRecord[];
      try {
        customQuestions = customQuestionRecords(et.customQuestions, `event type ${et.slug}`);
      } catch (error) {
        throw problem((error as Error).message);
      }
      return { ...et, uuid, customQuestions };
    });
    const slugs = new Set<string>();
    for (const et of types) {
      if (!UUID_PATTERN.test(et.uuid)) throw problem(`event type uuid ${et.uuid} must be a UUID`);
      if (this.eventTypes.has(et.uuid)) throw problem(`event type ${et.uuid} exists already`);
      if (typeof et.slug !== "string" || !SLUG_PATTERN.test(et.slug)) {
        throw problem("event type slug must be letters, digits and dashes");
      }
      if (slugs.has(et.slug)) throw problem(`event type slug ${et.slug} listed twice`);
      slugs.add(et.slug);
      if (typeof et.name !== "string" || !et.name.trim()) throw problem("event type name is required");
      if (!(Number.isInteger(et.durationMinutes) && et.durationMinutes > 0)) {
        throw problem("event type durationMinutes must be a positive integer");
      }
    }
    let organizationUuid = this.organizationUuid;
    if ((config.organization ?? "own") === "own") {
      organizationUuid = randomUUID();
      this.organizations.set(organizationUuid, {
        uuid: organizationUuid,
        uri: `${this.apiBase}/organizations/${organizationUuid}`,
        name: `${config.name.trim()}'s organization`,
        createdAt: this.now(),
      });
    }
    const hostInput: Parameters<FakeStore["createHost"]>[0] = {
      uuid,
      slug: config.slug,
      name: config.name.trim(),
      email: config.email,
      organizationUuid,
    };
    if (config.timezone) hostInput.timezone = config.timezone;
    if (config.rateLimitPerMinute !== undefined) hostInput.rateLimitPerMinute = config.rateLimitPerMinute;
    const host = this.createHost(hostInput);
    for (const et of types) this.createEventType(host.uuid, et);
    return this.userInfo(host);
  }

  userInfo(host: HostRecord): FakeUserInfo {
    return {
      uuid: host.uuid,
      uri: host.uri,
      slug: host.slug,
      name: host.name,
      email: host.email,
      organizationUri: this.organizationOf(host).uri,
      schedulingUrl: `${this.origin}/${encodeURIComponent(host.slug)}`,
      eventTypes: this.eventTypesOf(host.uuid).map((et) => ({
        uuid: et.uuid,
        uri: et.uri,
        slug: et.slug,
        name: et.name,
        schedulingUrl: this.schedulingUrl(et),
      })),
    };
  }

  // ------------------------------------------------------------------ lookups

  /** The token owner: the first configured user. */
  get owner(): HostRecord {
    return this.hosts.values().next().value as HostRecord;
  }

  hostByUuid(uuid: string): HostRecord | undefined {
    return this.hosts.get(uuid);
  }

  allHosts(): HostRecord[] {
    return [...this.hosts.values()];
  }

  organizationByUuid(uuid: string): OrganizationRecord | undefined {
    return this.organizations.get(uuid);
  }

  organizationOf(host: HostRecord): OrganizationRecord {
    return this.organizations.get(host.organizationUuid)!;
  }

  hostByMembershipUuid(uuid: string): HostRecord | undefined {
    for (const host of this.hosts.values()) if (host.membershipUuid === uuid) return host;
    return undefined;
  }

  hostBySlug(slug: string): HostRecord | undefined {
    for (const host of this.hosts.values()) if (host.slug === slug) return host;
    return undefined;
  }

  eventTypeBySlugs(userSlug: string, eventSlug: string): EventTypeRecord | undefined {
    const host = this.hostBySlug(userSlug);
    if (!host) return undefined;
    for (const et of this.eventTypes.values()) if (et.hostUuid === host.uuid && et.slug === eventSlug) return et;
    return undefined;
  }

  eventTypeByUuid(uuid: string): EventTypeRecord | undefined {
    return this.eventTypes.get(uuid);
  }

  eventTypesOf(hostUuid: string | undefined): EventTypeRecord[] {
    return [...this.eventTypes.values()].filter((et) => hostUuid === undefined || et.hostUuid === hostUuid);
  }

  eventByUuid(uuid: string): EventRecord | undefined {
    return this.events.get(uuid);
  }

  inviteeByUuid(uuid: string): InviteeRecord | undefined {
    return this.invitees.get(uuid);
  }

  allEvents(): EventRecord[] {
    return [...this.events.values()];
  }

  allInvitees(): InviteeRecord[] {
    return [...this.invitees.values()];
  }

  inviteesOf(eventUuid: string): InviteeRecord[] {
    return [...this.invitees.values()].filter((i) => i.eventUuid === eventUuid);
  }

  schedulingUrl(et: EventTypeRecord): string {
    const host = this.hosts.get(et.hostUuid)!;
    return `${this.origin}/${encodeURIComponent(host.slug)}/${encodeURIComponent(et.slug)}`;
  }

  // ------------------------------------------------------------------ slots

  private slotStepMinutes(et: EventTypeRecord): number {
    return Math.max(15, Math.ceil(et.durationMinutes / 15) * 15);
  }

  private overlapsActive(hostUuid: string, start: Date, end: Date, ignoreEventUuid?: string): boolean {
    for (const ev of this.events.values()) {
      if (ev.hostUuid !== hostUuid || ev.status !== "active" || ev.uuid === ignoreEventUuid) continue;
      if (ev.start < end && ev.end > start) return true;
    }
    return false;
  }

  /** The first day slots are offered on: tomorrow (UTC). */
  private firstSlotDay(): number {
    return Math.floor(this.now().getTime() / DAY_MS) * DAY_MS + DAY_MS;
  }

  /** Candidate slots in UTC working hours, from tomorrow (or `from`, if later) onwards. */
  private *candidates(et: EventTypeRecord, from?: Date): Generator<Date> {
    let day = this.firstSlotDay();
    if (from && !Number.isNaN(from.getTime())) day = Math.max(day, Math.floor(from.getTime() / DAY_MS) * DAY_MS);
    const step = this.slotStepMinutes(et) * MINUTE_MS;
    const duration = et.durationMinutes * MINUTE_MS;
    for (let d = 0; d < SLOT_HORIZON_DAYS; d++, day += DAY_MS) {
      const first = day + WORKDAY_START_HOUR * 3_600_000;
      const last = day + WORKDAY_END_HOUR * 3_600_000;
      for (let t = first; t === first || t + duration <= last; t += step) yield new Date(t);
    }
  }

  /** Whether `start` is one of the event type's slots (booked or not): what its page could offer. */
  isSlotStart(eventTypeUuid: string, start: Date): boolean {
    const et = this.eventTypes.get(eventTypeUuid);
    if (!et || Number.isNaN(start.getTime())) return false;
    const ms = start.getTime();
    const day = Math.floor(ms / DAY_MS) * DAY_MS;
    const firstDay = this.firstSlotDay();
    if (day < firstDay || day >= firstDay + SLOT_HORIZON_DAYS * DAY_MS) return false;
    const first = day + WORKDAY_START_HOUR * 3_600_000;
    const offset = ms - first;
    const step = this.slotStepMinutes(et) * MINUTE_MS;
    if (offset < 0 || offset % step !== 0) return false;
    return offset === 0 || ms + et.durationMinutes * MINUTE_MS <= day + WORKDAY_END_HOUR * 3_600_000;
  }

  /** Whether the slot at `start` is free: a slot of the event type that no active event overlaps. */
  isAvailable(eventTypeUuid: string, start: Date): boolean {
    const et = this.eventTypes.get(eventTypeUuid);
    if (!et || !this.isSlotStart(eventTypeUuid, start)) return false;
    return !this.overlapsActive(et.hostUuid, start, new Date(start.getTime() + et.durationMinutes * MINUTE_MS));
  }

  /**
   * Free slots for a page: those not booked. Like Calendly, showing a page holds nothing: when two
   * visitors pick the same time, the second one's booking is refused as no longer available.
   */
  offerSlots(eventTypeUuid: string, count: number, from?: Date): Date[] {
    const et = this.eventTypes.get(eventTypeUuid);
    if (!et) throw notFound("event type");
    const out: Date[] = [];
    const duration = et.durationMinutes * MINUTE_MS;
    for (const start of this.candidates(et, from)) {
      if (out.length >= count) break;
      if (this.overlapsActive(et.hostUuid, start, new Date(start.getTime() + duration))) continue;
      out.push(start);
    }
    return out;
  }

  /** The page's free slots that start in [from, to), earliest first (GET /event_type_available_times). */
  slotsBetween(eventTypeUuid: string, from: Date, to: Date): Date[] {
    const et = this.eventTypes.get(eventTypeUuid);
    if (!et) throw notFound("event type");
    const out: Date[] = [];
    const duration = et.durationMinutes * MINUTE_MS;
    for (const start of this.candidates(et, from)) {
      if (start >= to) break;
      if (start < from) continue;
      if (this.overlapsActive(et.hostUuid, start, new Date(start.getTime() + duration))) continue;
      out.push(start);
    }
    return out;
  }

  private nextFreeSlot(et: EventTypeRecord): Date {
    const [slot] = this.offerSlots(et.uuid, 1);
    if (!slot) throw new FakeCalendlyError(409, "Slot Unavailable", "No free time is left for this event type.");
    return slot;
  }

  // ------------------------------------------------------------------ mutations

  /** A booking on the scheduling page (or a test's `schedule`). */
  schedule(input: ScheduleInput): { event: EventRecord; invitee: InviteeRecord } {
    const et = this.eventTypes.get(uuidFromUri(String(input.eventTypeUuid ?? "")));
    if (!et) throw notFound("event type");
    const firstName = input.firstName?.trim() || null;
    const lastName = input.lastName?.trim() || null;
    const name = String(input.name ?? "").trim() || [firstName, lastName].filter(Boolean).join(" ");
    const email = String(input.email ?? "").trim();
    if (!name) throw invalid("name", "can't be blank");
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw invalid("email", "is not a valid email address");
    let start: Date;
    if (input.startTime === undefined || input.startTime === "") {
      start = this.nextFreeSlot(et);
    } else {
      start = input.startTime instanceof Date ? new Date(input.startTime.getTime()) : new Date(input.startTime);
      if (Number.isNaN(start.getTime())) throw invalid("start_time", "is not a valid time");
    }
    const t = input.tracking ?? {};
    const tracking: Tracking = {
      utm_campaign: input.utmCampaign ?? t.utm_campaign ?? null,
      utm_source: input.utmSource ?? t.utm_source ?? null,
      utm_medium: input.utmMedium ?? t.utm_medium ?? null,
      utm_content: input.utmContent ?? t.utm_content ?? null,
      utm_term: input.utmTerm ?? t.utm_term ?? null,
      salesforce_uuid: input.salesforceUuid ?? t.salesforce_uuid ?? null,
    };
    const answers = (input.answers ?? []).slice(0, 10);
    let questionsAndAnswers: QuestionAndAnswer[];
    if (et.customQuestions.length === 0) {
      // No questions configured: answers are kept as given, by position.
      questionsAndAnswers = [];
      answers.forEach((answer, i) => {
        if (answer) questionsAndAnswers.push({ question: `Question ${i + 1}`, answer: String(answer), position: i });
      });
    } else {
      // Like Calendly's a1…a10: answer i fills the question at position i; extra ones are ignored.
      const given = answers
        .map((answer, position) => ({ position, answer: String(answer ?? "") }))
        .filter((a) => a.answer.trim() && et.customQuestions.some((q) => q.position === a.position && q.enabled));
      questionsAndAnswers = checkAnswers(et.customQuestions, given, (i) => `a${given[i]!.position + 1}`);
    }
    return this.book(et, start, {
      guests: input.guests ?? [],
      invitee: {
        name,
        email,
        firstName,
        lastName,
        timezone: input.timezone || "UTC",
        tracking,
        questionsAndAnswers,
        oldInvitee: null,
        schedulingMethod: null,
        scheduledBy: null,
      },
    });
  }

  /**
   * A Scheduling API booking (POST /invitees): answers checked against the event type's
   * questions, then booked like a page booking. 409 "Slot Unavailable" when the time is taken.
   */
  scheduleViaApi(input: ApiBookingInput): { event: EventRecord; invitee: InviteeRecord } {
    const et = this.eventTypes.get(input.eventTypeUuid);
    if (!et) throw notFound("event type");
    const questionsAndAnswers = checkAnswers(et.customQuestions, input.answers, (i) => `questions_and_answers[${i}]`);
    const booking: Booking = {
      guests: input.guests,
      invitee: {
        name: input.name,
        email: input.email,
        firstName: input.firstName,
        lastName: input.lastName,
        timezone: input.timezone,
        tracking: { ...input.tracking },
        questionsAndAnswers,
        oldInvitee: null,
        // Calendly marks invitees booked through the Scheduling API as instantly booked by the caller.
        schedulingMethod: "instant_book",
        scheduledBy: input.scheduledBy,
      },
    };
    if (input.location) booking.location = input.location;
    return this.book(et, input.start, booking);
  }

  private book(et: EventTypeRecord, start: Date, booking: Booking): { event: EventRecord; invitee: InviteeRecord } {
    const end = new Date(start.getTime() + et.durationMinutes * MINUTE_MS);
    if (this.overlapsActive(et.hostUuid, start, end)) {
      throw new FakeCalendlyError(409, "Slot Unavailable", "This time is no longer available. Pick another one.");
    }
    const now = this.now();
    const event = this.createEvent(et, start, end, now, booking.guests);
    if (booking.location) event.location = { ...booking.location };
    const invitee = this.createInvitee(event, now, booking.invitee);
    return { event, invitee };
  }

  private createEvent(
    et: EventTypeRecord,
    start: Date,
    end: Date,
    now: Date,
    guests: Array<string | { email: string; createdAt: Date }>,
  ): EventRecord {
    const uuid = randomUUID();
    const event: EventRecord = {
      uuid,
      uri: `${this.apiBase}/scheduled_events/${uuid}`,
      eventTypeUuid: et.uuid,
      hostUuid: et.hostUuid,
      start,
      end,
      status: "active",
      guests: guests
        .map((g) => (typeof g === "string" ? { email: g.trim(), createdAt: now } : g))
        .filter((g) => g.email.length > 0)
        .slice(0, 10),
      createdAt: now,
      updatedAt: now,
    };
    this.events.set(uuid, event);
    return event;
  }

  private createInvitee(event: EventRecord, now: Date, fields: InviteeFields): InviteeRecord {
    const uuid = randomUUID();
    const invitee: InviteeRecord = {
      ...fields,
      uuid,
      uri: `${event.uri}/invitees/${uuid}`,
      eventUuid: event.uuid,
      status: "active",
      rescheduled: false,
      newInvitee: null,
      createdAt: now,
      updatedAt: now,
    };
    this.invitees.set(uuid, invitee);
    return invitee;
  }

  /** Cancels an event and all its active invitees. Throws 403 "Event is already canceled" the second time. */
  cancelEvent(
    eventUuid: string,
    opts: {
      by: "host" | "invitee";
      reason?: string | null;
      rescheduled?: boolean;
      source: CancellationLogEntry["source"];
    },
  ): { event: EventRecord; invitees: InviteeRecord[]; cancellation: Cancellation } {
    const event = this.events.get(eventUuid);
    if (!event) throw notFound("scheduled event");
    if (event.status === "canceled") throw new FakeCalendlyError(403, "Permission Denied", "Event is already canceled");
    const now = this.now();
    const active = this.inviteesOf(eventUuid).filter((i) => i.status === "active");
    const host = this.hosts.get(event.hostUuid)!;
    const cancellation: Cancellation = {
      canceled_by: opts.by === "host" ? host.name : (active[0]?.name ?? "Invitee"),
      reason: opts.reason ?? null,
      canceler_type: opts.by,
      created_at: calendlyTime(now),
    };
    event.status = "canceled";
    event.cancellation = cancellation;
    event.updatedAt = now;
    for (const invitee of active) {
      invitee.status = "canceled";
      invitee.cancellation = cancellation;
      invitee.rescheduled = opts.rescheduled ?? false;
      invitee.updatedAt = now;
    }
    this.cancellations.push({
      eventUuid,
      eventUri: event.uri,
      source: opts.source,
      cancelerType: opts.by,
      reason: cancellation.reason,
      at: cancellation.created_at,
    });
    return { event, invitees: active, cancellation };
  }

  /** The invitee moves to a new time: a new event and invitee, the old ones canceled with rescheduled: true. */
  reschedule(
    inviteeUuid: string,
    newStart: string | Date,
  ): { oldInvitee: InviteeRecord; oldEvent: EventRecord; newInvitee: InviteeRecord; newEvent: EventRecord } {
    const oldInvitee = this.invitees.get(inviteeUuid);
    if (!oldInvitee) throw notFound("invitee");
    const oldEvent = this.events.get(oldInvitee.eventUuid)!;
    if (oldInvitee.status === "canceled" || oldEvent.status === "canceled") {
      throw new FakeCalendlyError(403, "Permission Denied", "Event is already canceled");
    }
    const et = this.eventTypes.get(oldEvent.eventTypeUuid)!;
    const start = newStart instanceof Date ? new Date(newStart.getTime()) : new Date(newStart);
    if (Number.isNaN(start.getTime())) throw invalid("start_time", "is not a valid time");
    const end = new Date(start.getTime() + et.durationMinutes * MINUTE_MS);
    if (this.overlapsActive(et.hostUuid, start, end, oldEvent.uuid)) {
      throw new FakeCalendlyError(409, "Slot Unavailable", "This time is no longer available. Pick another one.");
    }
    const now = this.now();
    const newEvent = this.createEvent(et, start, end, now, oldEvent.guests);
    if (oldEvent.location) newEvent.location = { ...oldEvent.location };
    const newInvitee = this.createInvitee(newEvent, now, {
      name: oldInvitee.name,
      email: oldInvitee.email,
      firstName: oldInvitee.firstName,
      lastName: oldInvitee.lastName,
      timezone: oldInvitee.timezone,
      tracking: { ...oldInvitee.tracking },
      questionsAndAnswers: oldInvitee.questionsAndAnswers.map((q) => ({ ...q })),
      oldInvitee: oldInvitee.uri,
      schedulingMethod: null,
      scheduledBy: null,
    });
    oldInvitee.newInvitee = newInvitee.uri;
    this.cancelEvent(oldEvent.uuid, { by: "invitee", reason: null, rescheduled: true, source: "reschedule" });
    return { oldInvitee, oldEvent, newInvitee, newEvent };
  }

  // ------------------------------------------------------------------ resources

  organizationResource(org: OrganizationRecord = this.organizations.get(this.organizationUuid)!): CalendlyOrganization {
    return {
      uri: org.uri,
      name: org.name,
      plan: "teams",
      stage: "paid",
      created_at: calendlyTime(org.createdAt),
      updated_at: calendlyTime(org.createdAt),
    };
  }

  membershipResource(host: HostRecord): OrganizationMembership {
    return {
      uri: `${this.apiBase}/organization_memberships/${host.membershipUuid}`,
      role: host.role,
      user: {
        uri: host.uri,
        name: host.name,
        slug: host.slug,
        email: host.email,
        scheduling_url: `${this.origin}/${encodeURIComponent(host.slug)}`,
        timezone: host.timezone,
        avatar_url: null,
        created_at: calendlyTime(host.createdAt),
        updated_at: calendlyTime(host.createdAt),
      },
      organization: this.organizationOf(host).uri,
      updated_at: calendlyTime(host.createdAt),
      created_at: calendlyTime(host.createdAt),
    };
  }

  userResource(host: HostRecord): CalendlyUser {
    return {
      uri: host.uri,
      name: host.name,
      slug: host.slug,
      email: host.email,
      scheduling_url: `${this.origin}/${encodeURIComponent(host.slug)}`,
      timezone: host.timezone,
      avatar_url: null,
      locale: "en",
      created_at: calendlyTime(host.createdAt),
      updated_at: calendlyTime(host.createdAt),
      current_organization: this.organizationOf(host).uri,
      resource_type: "User",
    };
  }

  eventTypeResource(et: EventTypeRecord): EventType {
    const host = this.hosts.get(et.hostUuid)!;
    return {
      uri: et.uri,
      name: et.name,
      active: true,
      slug: et.slug,
      scheduling_url: this.schedulingUrl(et),
      duration: et.durationMinutes,
      duration_options: null,
      kind: "solo",
      pooling_type: null,
      type: "StandardEventType",
      color: "#006bff",
      created_at: calendlyTime(et.createdAt),
      updated_at: calendlyTime(et.createdAt),
      internal_note: null,
      description_plain: "A sandbox session. Nothing here reaches the real Calendly.",
      description_html: "<p>A sandbox session. Nothing here reaches the real Calendly.</p>",
      profile: { type: "User", name: host.name, owner: host.uri },
      secret: false,
      booking_method: "instant",
      custom_questions: et.customQuestions.map(customQuestionResource),
      deleted_at: null,
      admin_managed: false,
    };
  }

  eventResource(event: EventRecord): ScheduledEvent {
    const et = this.eventTypes.get(event.eventTypeUuid)!;
    const host = this.hosts.get(event.hostUuid)!;
    const invitees = this.inviteesOf(event.uuid);
    const resource: ScheduledEvent = {
      uri: event.uri,
      name: et.name,
      meeting_notes_plain: null,
      meeting_notes_html: null,
      status: event.status,
      start_time: calendlyTime(event.start),
      end_time: calendlyTime(event.end),
      event_type: et.uri,
      location: event.location ? { ...event.location } : { type: "custom", location: "Sandbox meeting room" },
      invitees_counter: {
        total: invitees.length,
        active: invitees.filter((i) => i.status === "active").length,
        limit: 1,
      },
      created_at: calendlyTime(event.createdAt),
      updated_at: calendlyTime(event.updatedAt),
      event_memberships: [{ user: host.uri, user_email: host.email, user_name: host.name }],
      event_guests: event.guests.map((g) => ({
        email: g.email,
        created_at: calendlyTime(g.createdAt),
        updated_at: calendlyTime(g.createdAt),
      })),
    };
    if (event.cancellation) resource.cancellation = { ...event.cancellation };
    return resource;
  }

  inviteeResource(invitee: InviteeRecord): Invitee {
    const event = this.events.get(invitee.eventUuid)!;
    const resource: Invitee = {
      uri: invitee.uri,
      email: invitee.email,
      name: invitee.name,
      first_name: invitee.firstName,
      last_name: invitee.lastName,
      status: invitee.status,
      timezone: invitee.timezone,
      event: event.uri,
      tracking: { ...invitee.tracking },
      questions_and_answers: invitee.questionsAndAnswers.map((q) => ({ ...q })),
      text_reminder_number: null,
      rescheduled: invitee.rescheduled,
      old_invitee: invitee.oldInvitee,
      new_invitee: invitee.newInvitee,
      cancel_url: `${this.origin}/cancellations/${invitee.uuid}`,
      reschedule_url: `${this.origin}/reschedulings/${invitee.uuid}`,
      routing_form_submission: null,
      payment: null,
      no_show: null,
      reconfirmation: null,
      scheduling_method: invitee.schedulingMethod,
      invitee_scheduled_by: invitee.scheduledBy,
      created_at: calendlyTime(invitee.createdAt),
      updated_at: calendlyTime(invitee.updatedAt),
    };
    if (invitee.cancellation) resource.cancellation = { ...invitee.cancellation };
    return resource;
  }
}

export type { EventRecord, EventTypeRecord, HostRecord, InviteeRecord, OrganizationRecord };
