// The bookings a partner reads: keyset-paginated listing and single lookups, shaped for the
// partner API (contract/booking.ts).
import { z } from "zod";
import type { PartnerBooking } from "../contract/index.js";
import type { BookingStatus, Prisma, PrismaClient } from "../generated/prisma/client.js";
import { badRequest, notFound } from "../lib/errors.js";
import { builderWhere } from "./bookability.js";
import { bookingViewInclude, toPartnerBooking } from "./booking-view.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isoDateTime = z.iso.datetime({ offset: true });

// ---- cursor -------------------------------------------------------------------------------

interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ createdAt: c.createdAt.toISOString(), id: c.id })).toString("base64url");
}

export function decodeCursor(raw: string): Cursor {
  const invalid = () => badRequest("cursor", "is not a cursor this API issued; pass nextCursor from the previous page");
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const parsed = z
    .object({ createdAt: isoDateTime, id: z.string().regex(UUID) })
    .strict()
    .safeParse(value);
  if (!parsed.success) throw invalid();
  return { createdAt: new Date(parsed.data.createdAt), id: parsed.data.id };
}

export interface BookingQuery {
  builder?: string;
  status?: BookingStatus[];
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export async function listPartnerBookings(
  prisma: Pick<PrismaClient, "builder" | "booking">,
  q: BookingQuery,
  sandbox: boolean,
): Promise<{ data: PartnerBooking[]; nextCursor: string | null }> {
  const where: Prisma.BookingWhereInput[] = [];
  if (q.builder) {
    const builder = await prisma.builder.findUnique({ where: builderWhere(q.builder), select: { id: true } });
    if (!builder) throw notFound("builder_not_found", `builder: no builder "${q.builder}" exists`);
    where.push({ builderId: builder.id });
  }
  if (q.status) where.push({ status: { in: q.status } });
  if (q.from) where.push({ startTime: { gte: new Date(q.from) } });
  if (q.to) where.push({ startTime: { lt: new Date(q.to) } });
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    where.push({ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] });
  }
  const rows = await prisma.booking.findMany({
    where: { AND: where },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    include: bookingViewInclude,
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    data: page.map((b) => toPartnerBooking(b, sandbox)),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
  };
}

export async function getPartnerBooking(
  prisma: Pick<PrismaClient, "booking">,
  id: string,
  sandbox: boolean,
): Promise<PartnerBooking> {
  const booking = await prisma.booking.findUnique({ where: { id }, include: bookingViewInclude });
  if (!booking) throw notFound("booking_not_found", `id: no booking "${id}" exists`);
  return toPartnerBooking(booking, sandbox);
}
