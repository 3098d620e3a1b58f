// Webhook subscriptions created through the API (POST /webhook_subscriptions): user-scoped ones
// deliver the events of one user, organization-scoped ones those of every member. Each keeps the
// key its deliveries are signed with (an OAuth app's one key, or the signing_key given with a
// personal access token). A disabled subscription delivers nothing and must be recreated.
import { randomUUID } from "node:crypto";
import { calendlyTime, type FakeStore, type HostRecord } from "./store.js";
import type { CalendlyWebhookEventName, WebhookSubscription } from "./wire.js";

export const SUBSCRIBABLE_EVENTS = ["invitee.created", "invitee.canceled", "routing_form_submission.created"] as const;

export interface SubscriptionRecord {
  uuid: string;
  uri: string;
  callbackUrl: string;
  events: string[];
  scope: "user" | "organization";
  organizationUuid: string;
  userUuid: string | null;
  creatorUuid: string;
  signingKey: string;
  state: "active" | "disabled";
  createdAt: Date;
  updatedAt: Date;
  retryStartedAt: Date | null;
}

export class SubscriptionStore {
  private readonly records = new Map<string, SubscriptionRecord>();

  /**
   * `disableWhenRetriesFail`: a subscription whose delivery fails every retry is disabled, as
   * Calendly disables one after 24 hours of failures (the fake's retries stand for those hours).
   */
  constructor(
    private readonly store: FakeStore,
    private readonly disableWhenRetriesFail = false,
  ) {}

  /** A delivery attempt failed: `retry_started_at` says since when the subscription is retrying. */
  retrying(uuid: string): void {
    const record = this.records.get(uuid);
    if (record && !record.retryStartedAt) record.retryStartedAt = new Date();
  }

  recovered(uuid: string): void {
    const record = this.records.get(uuid);
    if (record) record.retryStartedAt = null;
  }

  exhausted(uuid: string): void {
    const record = this.records.get(uuid);
    if (record && this.disableWhenRetriesFail) this.disable(record);
  }

  create(input: Omit<SubscriptionRecord, "uuid" | "uri" | "state" | "createdAt" | "updatedAt" | "retryStartedAt">) {
    const uuid = randomUUID();
    const now = new Date();
    const record: SubscriptionRecord = {
      ...input,
      uuid,
      uri: `${this.store.apiBase}/webhook_subscriptions/${uuid}`,
      state: "active",
      createdAt: now,
      updatedAt: now,
      retryStartedAt: null,
    };
    this.records.set(uuid, record);
    return record;
  }

  get(uuid: string): SubscriptionRecord | undefined {
    return this.records.get(uuid);
  }

  byUri(uri: string): SubscriptionRecord | undefined {
    for (const record of this.records.values()) if (record.uri === uri) return record;
    return undefined;
  }

  all(): SubscriptionRecord[] {
    return [...this.records.values()];
  }

  delete(uuid: string): boolean {
    return this.records.delete(uuid);
  }

  disable(record: SubscriptionRecord): void {
    if (record.state === "disabled") return;
    record.state = "disabled";
    record.updatedAt = new Date();
  }

  /** The same callback URL for the same user (or the same organization) exists already. */
  duplicate(input: Pick<SubscriptionRecord, "callbackUrl" | "scope" | "organizationUuid" | "userUuid">): boolean {
    return this.all().some(
      (r) =>
        r.callbackUrl === input.callbackUrl &&
        r.scope === input.scope &&
        r.organizationUuid === input.organizationUuid &&
        r.userUuid === input.userUuid,
    );
  }

  /** Active subscriptions that receive `event` when it happens to one of `host`'s events. */
  targetsFor(host: HostRecord, event: CalendlyWebhookEventName): SubscriptionRecord[] {
    return this.all().filter(
      (r) =>
        r.state === "active" &&
        r.events.includes(event) &&
        r.organizationUuid === host.organizationUuid &&
        (r.scope === "organization" || r.userUuid === host.uuid),
    );
  }

  resource(record: SubscriptionRecord): WebhookSubscription {
    const org = this.store.organizationByUuid(record.organizationUuid);
    const user = record.userUuid ? this.store.hostByUuid(record.userUuid) : undefined;
    const creator = this.store.hostByUuid(record.creatorUuid);
    return {
      uri: record.uri,
      callback_url: record.callbackUrl,
      created_at: calendlyTime(record.createdAt),
      updated_at: calendlyTime(record.updatedAt),
      retry_started_at: record.retryStartedAt ? calendlyTime(record.retryStartedAt) : null,
      state: record.state,
      events: [...record.events],
      scope: record.scope,
      organization: org?.uri ?? "",
      user: user?.uri ?? null,
      group: null,
      creator: creator?.uri ?? null,
      has_signing_key: record.signingKey.length > 0,
    };
  }
}
