// The catalogue: builders and their session types, created and edited as data (partner API and
// admin CLI). Nothing here runs at start-up, so an edit survives restarts and deploys.
import type { Builder, PrismaClient, SessionType } from "../../generated/prisma/client.js";
import { AppError, notFound } from "../../lib/errors.js";
import { builderWhere, decideBookability } from "../bookability.js";
import { isUniqueViolation } from "../bookings.js";
import type { BuilderCreate, BuilderUpdate, SessionTypeCreate, SessionTypeUpdate } from "./inputs.js";

type Db = Pick<PrismaClient, "builder" | "sessionType" | "$transaction">;
export type CatalogueBuilder = Builder & { sessionTypes: SessionType[] };

/** How the partner API (and the CLI's JSON) shows a builder: its bookability and every session type. */
export interface BuilderView {
  id: string;
  slug: string;
  name: string;
  headline: string;
  bio: string;
  avatarUrl: string | null;
  contactEmail: string | null;
  isDemo: boolean;
  active: boolean;
  calendlyEventUrl: string | null;
  refundPolicy: "FULL" | "NONE" | "CUTOFF";
  refundCutoffHours: number | null;
  state: "bookable" | "demo" | "unavailable";
  reason?: string;
  sessionTypes: SessionTypeView[];
}

export interface SessionTypeView {
  id: string;
  name: string;
  durationMinutes: number;
  price: { amount: number; currency: string };
  active: boolean;
  /** The Calendly event type it is booked through (null: the builder's event URL). */
  calendlyEventTypeUri: string | null;
}

const slugTaken = (slug: string) =>
  new AppError(409, "builder_slug_taken", `slug: a builder with the slug "${slug}" already exists`, { field: "slug" });

function toSessionTypeView(s: SessionType): SessionTypeView {
  return {
    id: s.id,
    name: s.name,
    durationMinutes: s.durationMinutes,
    price: { amount: s.priceAmount, currency: s.currency },
    active: s.active,
    calendlyEventTypeUri: s.calendlyEventTypeUri,
  };
}

export function toBuilderView(builder: CatalogueBuilder): BuilderView {
  const decision = decideBookability(builder);
  const sessionTypes = [...builder.sessionTypes].sort(
    (a, b) => a.position - b.position || a.createdAt.getTime() - b.createdAt.getTime(),
  );
  return {
    id: builder.id,
    slug: builder.slug,
    name: builder.name,
    headline: builder.headline,
    bio: builder.bio,
    avatarUrl: builder.avatarUrl,
    contactEmail: builder.contactEmail,
    isDemo: builder.isDemo,
    active: builder.bookingEnabled,
    calendlyEventUrl: builder.calendlyEventUrl,
    refundPolicy: builder.refundPolicy,
    refundCutoffHours: builder.refundCutoffHours,
    state: decision.state,
    ...(decision.reason ? { reason: decision.reason } : {}),
    sessionTypes: sessionTypes.map(toSessionTypeView),
  };
}

export async function listBuilders(db: Db): Promise<BuilderView[]> {
  const builders = await db.builder.findMany({
    include: { sessionTypes: true },
    orderBy: [{ isDemo: "asc" }, { name: "asc" }, { id: "asc" }],
  });
  return builders.map(toBuilderView);
}

async function loadBuilder(db: Pick<Db, "builder">, ref: string): Promise<CatalogueBuilder> {
  const builder = await db.builder.findUnique({ where: builderWhere(ref), include: { sessionTypes: true } });
  if (!builder) throw notFound("builder_not_found", `builder: no builder "${ref}" exists`);
  return builder;
}

export async function getBuilder(db: Db, ref: string): Promise<BuilderView> {
  return toBuilderView(await loadBuilder(db, ref));
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
    ...calendlyChange(input.calendlyEventUrl),
  };
}

export async function createBuilder(db: Db, input: BuilderCreate): Promise<BuilderView> {
  try {
    const builder = await db.builder.create({
      // The fields a create requires, as the narrower type the create input guarantees.
      data: { ...builderFields(input), slug: input.slug, name: input.name, headline: input.headline },
      include: { sessionTypes: true },
    });
    return toBuilderView(builder);
  } catch (error) {
    if (isUniqueViolation(error)) throw slugTaken(input.slug);
    throw error;
  }
}

export async function updateBuilder(db: Db, ref: string, input: BuilderUpdate): Promise<BuilderView> {
  const builder = await loadBuilder(db, ref);
  try {
    const updated = await db.builder.update({
      where: { id: builder.id },
      data: builderFields(input),
      include: { sessionTypes: true },
    });
    return toBuilderView(updated);
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
): Promise<SessionTypeView> {
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
  return toSessionTypeView(created);
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
): Promise<SessionTypeView> {
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
  return toSessionTypeView(updated);
}
