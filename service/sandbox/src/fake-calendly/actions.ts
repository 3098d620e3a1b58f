// What happens in the fake Calendly, in one place: the scheduling page's button, the API's
// cancellation and the test helpers all go through these, so each mutation also sends the
// webhook Calendly would send.

import type { ApiBookingInput, InviteeRecord, ScheduleInput } from "./store.js";
import { calendlyTime, type FakeStore } from "./store.js";
import type { SubscriptionStore } from "./subscriptions.js";
import type { WebhookDispatcher } from "./webhooks.js";
import type { CalendlyWebhookBody, CalendlyWebhookEventName, Cancellation } from "./wire.js";
import { uuidFromUri } from "./wire.js";

export interface ScheduleResult {
  eventUri: string;
  inviteeUri: string;
}

export class FakeActions {
  constructor(
    readonly store: FakeStore,
    readonly webhooks: WebhookDispatcher,
    readonly subscriptions: SubscriptionStore,
  ) {}

  /** The delivery body; `createdBy` is the subscription's creator (default: the token owner). */
  webhookBody(event: CalendlyWebhookEventName, invitee: InviteeRecord, createdBy?: string): CalendlyWebhookBody {
    const scheduledEvent = this.store.eventByUuid(invitee.eventUuid)!;
    return {
      event,
      created_at: calendlyTime(new Date()),
      created_by: createdBy ?? this.store.owner.uri,
      payload: {
        ...this.store.inviteeResource(invitee),
        scheduled_event: this.store.eventResource(scheduledEvent),
      },
    };
  }

  /**
   * Sends `event` to everyone subscribed: the set-up's own subscription (events of its
   * organization, as before there were API-created ones) and every active subscription whose
   * user or organization the event's host belongs to.
   */
  private emit(event: CalendlyWebhookEventName, invitee: InviteeRecord): void {
    const scheduled = this.store.eventByUuid(invitee.eventUuid)!;
    const host = this.store.hostByUuid(scheduled.hostUuid)!;
    if (host.organizationUuid === this.store.organizationUuid) this.webhooks.enqueue(this.webhookBody(event, invitee));
    for (const sub of this.subscriptions.targetsFor(host, event)) {
      const creator = this.store.hostByUuid(sub.creatorUuid);
      this.webhooks.enqueue(this.webhookBody(event, invitee, creator?.uri), {
        url: sub.callbackUrl,
        signingKey: sub.signingKey,
        subscription: sub.uri,
        active: () => this.subscriptions.get(sub.uuid)?.state === "active",
        gone: () => {
          this.subscriptions.delete(sub.uuid);
        },
        failed: () => this.subscriptions.retrying(sub.uuid),
        delivered: () => this.subscriptions.recovered(sub.uuid),
        exhausted: () => this.subscriptions.exhausted(sub.uuid),
      });
    }
  }

  schedule(input: ScheduleInput): ScheduleResult {
    const { event, invitee } = this.store.schedule(input);
    this.emit("invitee.created", invitee);
    return { eventUri: event.uri, inviteeUri: invitee.uri };
  }

  /** A Scheduling API booking (POST /invitees): the same event and webhook as a page booking. */
  scheduleViaApi(input: ApiBookingInput): ScheduleResult {
    const { event, invitee } = this.store.scheduleViaApi(input);
    this.emit("invitee.created", invitee);
    return { eventUri: event.uri, inviteeUri: invitee.uri };
  }

  /** The host cancels through the API (POST /scheduled_events/{uuid}/cancellation). */
  cancelByHost(eventUuidOrUri: string, reason: string | null): Cancellation {
    const { invitees, cancellation } = this.store.cancelEvent(uuidFromUri(eventUuidOrUri), {
      by: "host",
      reason,
      source: "api",
    });
    for (const invitee of invitees) this.emit("invitee.canceled", invitee);
    return cancellation;
  }

  /** The invitee cancels (cancel page, or a test). */
  cancelByInvitee(eventUuidOrUri: string, opts: { reason?: string | null; rescheduled?: boolean } = {}): Cancellation {
    const { invitees, cancellation } = this.store.cancelEvent(uuidFromUri(eventUuidOrUri), {
      by: "invitee",
      reason: opts.reason ?? null,
      rescheduled: opts.rescheduled ?? false,
      source: "invitee",
    });
    for (const invitee of invitees) this.emit("invitee.canceled", invitee);
    return cancellation;
  }

  /** invitee.canceled (rescheduled: true) for the old invitee, then invitee.created for the new one. */
  reschedule(inviteeUuidOrUri: string, newStartTime: string | Date): ScheduleResult {
    const { oldInvitee, newInvitee, newEvent } = this.store.reschedule(uuidFromUri(inviteeUuidOrUri), newStartTime);
    this.emit("invitee.canceled", oldInvitee);
    this.emit("invitee.created", newInvitee);
    return { eventUri: newEvent.uri, inviteeUri: newInvitee.uri };
  }
}
