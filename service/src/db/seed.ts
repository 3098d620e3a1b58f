// The demo marketplace's catalogue: Liam (bookable in the sandbox) and five demo profiles. The
// service never runs this at start-up; the demo seeds an empty database with it, and
// `npm run admin -- seed-demo` (re)writes it on purpose. Elsewhere the catalogue is data, edited
// through the partner API and the admin CLI (domain/catalogue).
import type { PrismaClient } from "../generated/prisma/client.js";

/** The sandbox's sample Calendly identity, which the demo gives Liam. */
export const liamCalendly = {
  userUuid: "7c1a4f0e-2b8d-4c55-9f3e-1d2a6b7c8e90",
  userSlug: "liam-buildappswith",
  eventTypeUuid: "3f9e2d1c-8b7a-4655-a4e3-2f1d0c9b8a76",
  eventSlug: "build-session",
  email: "liam@buildappswith.com",
} as const;

const liamEventUrl = `https://calendly.com/${liamCalendly.userSlug}/${liamCalendly.eventSlug}`;

export interface BuilderSeed {
  slug: string;
  name: string;
  headline: string;
  bio: string;
  isDemo: boolean;
  contactEmail?: string;
  avatarUrl?: string;
  sessionTypes: { name: string; durationMinutes: number; priceAmount: number; currency: string }[];
}

export const builderSeeds: BuilderSeed[] = [
  {
    slug: "liam",
    name: "Liam",
    headline: "Founder of Build Apps With — ship your first AI-powered app",
    bio: "Liam pairs with you live: scoping, architecture and hands-on building, so you leave each session with working software and a clear next step.",
    isDemo: false,
    contactEmail: liamCalendly.email,
    sessionTypes: [{ name: "1:1 build session", durationMinutes: 60, priceAmount: 15000, currency: "usd" }],
  },
  {
    slug: "ada-fernandez",
    name: "Ada Fernández",
    headline: "Mobile apps with React Native and Expo",
    bio: "Demo profile. Ada is an example builder who shows how the marketplace presents mobile specialists.",
    isDemo: true,
    sessionTypes: [{ name: "App review", durationMinutes: 45, priceAmount: 9000, currency: "usd" }],
  },
  {
    slug: "kenji-watanabe",
    name: "Kenji Watanabe",
    headline: "Data pipelines and analytics dashboards",
    bio: "Demo profile. Kenji is an example builder focused on data engineering.",
    isDemo: true,
    sessionTypes: [{ name: "Pipeline clinic", durationMinutes: 60, priceAmount: 12000, currency: "usd" }],
  },
  {
    slug: "amara-okafor",
    name: "Amara Okafor",
    headline: "No-code automations that save hours a week",
    bio: "Demo profile. Amara is an example builder for automation and integrations.",
    isDemo: true,
    sessionTypes: [{ name: "Automation audit", durationMinutes: 30, priceAmount: 6000, currency: "usd" }],
  },
  {
    slug: "sofia-lindqvist",
    name: "Sofia Lindqvist",
    headline: "Design systems and accessible front-ends",
    bio: "Demo profile. Sofia is an example builder for UI architecture and accessibility.",
    isDemo: true,
    sessionTypes: [{ name: "Design system review", durationMinutes: 60, priceAmount: 11000, currency: "eur" }],
  },
  {
    slug: "marcus-reid",
    name: "Marcus Reid",
    headline: "Payments, subscriptions and billing flows",
    bio: "Demo profile. Marcus is an example builder for payments and SaaS billing.",
    isDemo: true,
    sessionTypes: [{ name: "Billing deep-dive", durationMinutes: 90, priceAmount: 18000, currency: "gbp" }],
  },
];

export interface SiteSeed {
  name: string;
  publishableKey: string;
  allowedOrigins: string[];
  returnUrlAllowlist: string[];
  requireCustomerToken?: boolean;
  customerTokenSecret?: string | null;
}

export interface SeedOptions {
  sites?: SiteSeed[];
}

/** Writes the demo's six builders (profiles and session types), creating or resetting each. */
export async function seedDemoBuilders(prisma: PrismaClient): Promise<void> {
  for (const seed of builderSeeds) {
    const calendly =
      seed.slug === "liam"
        ? {
            calendlyEventUrl: liamEventUrl,
            calendlyUserUri: `https://api.calendly.com/users/${liamCalendly.userUuid}`,
            calendlyEventTypeUri: `https://api.calendly.com/event_types/${liamCalendly.eventTypeUuid}`,
          }
        : {};
    const data = {
      name: seed.name,
      headline: seed.headline,
      bio: seed.bio,
      isDemo: seed.isDemo,
      bookingEnabled: true,
      contactEmail: seed.contactEmail ?? null,
      avatarUrl: seed.avatarUrl ?? null,
      ...calendly,
    };
    await prisma.$transaction(async (tx) => {
      const builder = await tx.builder.upsert({
        where: { slug: seed.slug },
        create: { slug: seed.slug, ...data },
        update: data,
      });
      for (const [index, st] of seed.sessionTypes.entries()) {
        const existing = await tx.sessionType.findFirst({ where: { builderId: builder.id, name: st.name } });
        if (existing) {
          await tx.sessionType.update({ where: { id: existing.id }, data: { ...st, active: true, position: index } });
        } else {
          await tx.sessionType.create({ data: { ...st, position: index, builderId: builder.id } });
        }
      }
    });
  }
}

/** Seeds the demo's builders only into a catalogue that has none, so edits made since are kept. */
export async function seedDemoIfEmpty(prisma: PrismaClient): Promise<boolean> {
  if ((await prisma.builder.count()) > 0) return false;
  await seedDemoBuilders(prisma);
  return true;
}

/** Creates or updates embedding sites by publishable key. */
export async function seedSites(prisma: PrismaClient, sites: SiteSeed[]): Promise<void> {
  for (const site of sites) {
    const data = {
      name: site.name,
      allowedOrigins: site.allowedOrigins,
      returnUrlAllowlist: site.returnUrlAllowlist,
      requireCustomerToken: site.requireCustomerToken ?? false,
      customerTokenSecret: site.customerTokenSecret ?? null,
    };
    await prisma.site.upsert({
      where: { publishableKey: site.publishableKey },
      create: { publishableKey: site.publishableKey, ...data },
      update: data,
    });
  }
}

/** The demo's builders and the given sites (tests, and `admin seed-demo`). */
export async function seedDatabase(prisma: PrismaClient, options: SeedOptions = {}): Promise<void> {
  await seedDemoBuilders(prisma);
  await seedSites(prisma, options.sites ?? []);
}
