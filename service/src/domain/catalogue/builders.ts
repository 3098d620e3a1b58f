// The catalogue: builders and their session types, created and edited as data (partner API and
// admin CLI). Nothing here runs at start-up, so an edit survives restarts and deploys.
import type { PartnerBuilder, PartnerSessionType } from "../../contract/index.js";
import type { Builder, PrismaClient, SessionType } from "../../generated/prisma/client.js";
import { AppError, notFound } from "../../lib/errors.js";
import { builderWhere } from "../bookability.js";
import { isUniqueViolation } from "../bookings.js";
import { fromBookingFlow, toPartnerBuilder, toPartnerSessionType } from "../builder-view.js";
import type { BuilderCreate, BuilderUpdate, SessionTypeCreate, SessionTypeUpdate } from "./inputs.js";

type Db = Pick<PrismaClient, "builder" | "sessionType" | "$transaction">;
export type CatalogueBuilder = Builder & { sessionTypes: SessionType[] };

const slugTaken = (slug: string) =>
  new AppError(409, "builder_slug_taken", `slug: a builder with the slug "${slug}" already exists`, { field: "slug" });

export async function listBuilders(db: Db): Promise<PartnerBuilder[]> {
  const builders = await db.builder.findMany({
    include: { sessionTypes: true },
    orderBy: [{ isDemo: "asc" }, { name: "asc" }, { id: "asc" }],
  });
  return builders.map(toPartnerBuilder);
}

async function loadBuilder(db: Pick<Db, "builder">, ref: string): Promise<CatalogueBuilder> {
  const builder = await db.builder.findUnique({ where: builderWhere(ref), include: { sessionTypes: true } });
  if (!builder) throw notFound("builder_not_found", `builder: no builder "${ref}" exists`);
  return builder;
}

export async function getBuilder(db: Db, ref: string): Promise<PartnerBuilder> {
  return toPartnerBuilder(await loadBuilder(db, ref));
}

/**
 * Setting the event URL (even to the same one) forgets the Calendly URIs stored for it; the
 * service looks them up again from Calendly's API on the next booking.
 */
function calendlyChange(url: string | null | undefined) {
  if (url === undefined) return {};
  return { calendlyEventUrl: url, calendlyUserUri: null, calendlyEventTypeUri: null };
}

/** The stored builder's fields from a create or an update (an update leaves out what it does not change). */
function builderFields<I extends BuilderUpdate>(input: I) {
  return {
    slug: input.slug,
    name: input.name,
    headline: input.headline,
    bio: input.bio,
    avatarUrl: input.avatarUrl,
    contactEmail: input.contactEmail,
    refundPolicy: input.refundPolicy,
    refundCutoffHours: input.refundCutoffHours,
    bookingEnabled: input.active,
    bookingFlow: input.bookingFlow === undefined ? undefined : fromBookingFlow(input.bookingFlow),
    ...calendlyChange(input.calendlyEventUrl),
  };
}

export async function createBuilder(db: Db, input: BuilderCreate): Promise<PartnerBuilder> {
  try {
    const builder = await db.builder.create({
      // The fields a create requires, as the narrower type the create input guarantees.
      data: { ...builderFields(input), slug: input.slug, name: input.name, headline: input.headline },
      include: { sessionTypes: true },
    });
    return toPartnerBuilder(builder);
  } catch (error) {
    if (isUniqueViolation(error)) throw slugTaken(input.slug);
    throw error;
  }
}

export async function updateBuilder(db: Db, ref: string, input: BuilderUpdate): Promise<PartnerBuilder> {
  const builder = await loadBuilder(db, ref);
  try {
    const updated = await db.builder.update({
      where: { id: builder.id },
      data: builderFields(input),
      include: { sessionTypes: true },
    });
    return toPartnerBuilder(updated);
  } catch (error) {
    if (input.slug && isUniqueViolation(error)) throw slugTaken(input.slug);
    throw error;
  }
}

/** A Calendly event type a session type is attached to, as read from Calendly with the builder's token. */
export interface AttachedEventType {
  uri: string;
  name: string;
  durationMinutes: number;
  schedulingUrl: string;
}

/**
 * Adds a session type. With `calendlyEventTypeUri` the caller has checked it is one of the
 * builder's event types (`eventType`); a builder without an event URL takes this one's, so the
 * first attached event type makes it bookable.
 */
export async function addSessionType(
  db: Db,
  ref: string,
  input: SessionTypeCreate,
  eventType?: AttachedEventType,
): Promise<PartnerSessionType> {
  const builder = await loadBuilder(db, ref);
  if (input.calendlyEventTypeUri && !eventType) {
    throw new AppError(
      422,
      "event_type_unchecked",
      "calendlyEventTypeUri: attach a Calendly event type through the partner API, which checks it with Calendly",
      { field: "calendlyEventTypeUri" },
    );
  }
  const position = builder.sessionTypes.reduce((max, s) => Math.max(max, s.position + 1), 0);
  const created = await db.$transaction(async (tx) => {
    if (eventType && !builder.calendlyEventUrl) {
      await tx.builder.update({
        where: { id: builder.id },
        data: { calendlyEventUrl: eventType.schedulingUrl, calendlyEventTypeUri: eventType.uri },
      });
    }
    return tx.sessionType.create({
      data: {
        builderId: builder.id,
        name: input.name ?? eventType!.name,
        durationMinutes: input.durationMinutes ?? eventType!.durationMinutes,
        priceAmount: input.price.amount,
        currency: input.price.currency,
        active: input.active,
        position,
        calendlyEventTypeUri: eventType?.uri ?? null,
        calendlyEventUrl: eventType?.schedulingUrl ?? null,
      },
    });
  });
  return toPartnerSessionType(created);
}

/**
 * A price change applies to checkouts opened from now on; a booking already made keeps the
 * amount its payment was opened with.
 */
export async function updateSessionType(
  db: Db,
  ref: string,
  sessionTypeId: string,
  input: SessionTypeUpdate,
): Promise<PartnerSessionType> {
  const builder = await loadBuilder(db, ref);
  const sessionType = builder.sessionTypes.find((s) => s.id === sessionTypeId);
  if (!sessionType) {
    throw notFound("session_type_not_found", `sessionTypeId: ${builder.slug} has no session type "${sessionTypeId}"`);
  }
  const updated = await db.sessionType.update({
    where: { id: sessionType.id },
    data: {
      name: input.name,
      durationMinutes: input.durationMinutes,
      priceAmount: input.price?.amount,
      currency: input.price?.currency,
      active: input.active,
    },
  });
  return toPartnerSessionType(updated);
}
