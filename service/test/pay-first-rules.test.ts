// The pure rules of pay-first: the Scheduling API budget, when pay-first can be offered, matching
// answers to the event type's questions, and the tracking value that marks our own bookings.
import t from "tap";
import { loadConfig } from "../src/config.js";
import type { BookingQuestion } from "../src/contract/index.js";
import type { Bookability } from "../src/domain/bookability.js";
import { bookingIdFromTracking, trackingFor } from "../src/domain/booking/scheduling.js";
import { decideBudget } from "../src/domain/pay-first/budget.js";
import { payFirstBlock } from "../src/domain/pay-first/offer.js";
import { matchAnswers } from "../src/domain/pay-first/reserve.js";
import type { Builder, SessionType } from "../src/generated/prisma/client.js";
import { AppError } from "../src/lib/errors.js";

const limits = { perMinute: 10, perHour: 50, perDay: 100 };
const NOW = Date.parse("2026-11-26T12:00:00Z");
const minutesAgo = (n: number) => NOW - n * 60_000;

t.test("the budget: calls in the window plus reservations in flight stay below each limit", async (t) => {
  t.same(decideBudget({ calls: [], inFlight: 0, blockedUntil: null }, limits, NOW), { open: true }, "nothing used");
  const day = Array.from({ length: 99 }, (_, i) => minutesAgo(61 + i * 10));
  t.same(decideBudget({ calls: day, inFlight: 0, blockedUntil: null }, limits, NOW), { open: true }, "99 of 100 today");
  const full = decideBudget({ calls: day, inFlight: 1, blockedUntil: null }, limits, NOW);
  t.equal(full.open, false, "99 calls + 1 in flight leave no room for another");
  t.equal(
    !full.open && full.reopensAt.getTime(),
    Math.min(...day) + 24 * 60 * 60_000,
    "it reopens when the oldest call leaves the day",
  );
  const hour = Array.from({ length: 45 }, (_, i) => minutesAgo(i + 1));
  t.same(
    decideBudget({ calls: hour, inFlight: 4, blockedUntil: null }, limits, NOW),
    { open: true },
    "49 of 50 this hour",
  );
  t.equal(
    decideBudget({ calls: hour, inFlight: 5, blockedUntil: null }, limits, NOW).open,
    false,
    "50 of 50 this hour",
  );
  const minute = Array.from({ length: 10 }, () => minutesAgo(0.5));
  t.same(
    decideBudget({ calls: minute, inFlight: 0, blockedUntil: null }, limits, NOW),
    { open: true },
    "the per-minute limit only delays a booking, so it does not close the offer",
  );
  const blocked = decideBudget({ calls: [], inFlight: 0, blockedUntil: NOW + 30_000 }, limits, NOW);
  t.same(blocked, { open: false, reopensAt: new Date(NOW + 30_000) }, "a 429's announced reset closes it");
  t.same(
    decideBudget({ calls: [], inFlight: 0, blockedUntil: NOW - 1 }, limits, NOW),
    { open: true },
    "a past reset does not",
  );
  t.equal(
    decideBudget({ calls: [], inFlight: 5, blockedUntil: null }, { perMinute: 10, perHour: 50, perDay: 5 }, NOW).open,
    false,
    "a trial's 5 a day: five reservations in flight fill it",
  );
});

t.test("the limits are a setting: per minute/hour/day, validated", async (t) => {
  const base = {
    PROVIDER_MODE: "sandbox",
    STRIPE_API_BASE: "http://127.0.0.1:4242",
    CALENDLY_API_BASE: "http://127.0.0.1:4243/api",
    CALENDLY_ORIGIN: "http://127.0.0.1:4243",
  };
  t.same(loadConfig(base).payFirst.schedulingLimits, limits, "Calendly's paid-plan limits by default");
  t.same(loadConfig({ ...base, CALENDLY_SCHEDULING_LIMITS: "500/30000/720000" }).payFirst.schedulingLimits, {
    perMinute: 500,
    perHour: 30_000,
    perDay: 720_000,
  });
  t.throws(() => loadConfig({ ...base, CALENDLY_SCHEDULING_LIMITS: "10 per minute" }), /CALENDLY_SCHEDULING_LIMITS/);
  t.equal(loadConfig(base).payFirst.rebookSeconds, 30 * 60, "the rebooking window defaults to 30 minutes");
  t.equal(loadConfig(base).payFirst.availabilityCacheSeconds, 60, "available times are kept a minute by default");
  t.equal(
    loadConfig({ ...base, AVAILABILITY_CACHE_SECONDS: "0" }).payFirst.availabilityCacheSeconds,
    0,
    "off, outside production",
  );
  t.throws(
    () => loadConfig({ NODE_ENV: "production", PROVIDER_MODE: "live", AVAILABILITY_CACHE_SECONDS: "0" }),
    /AVAILABILITY_CACHE_SECONDS must be at least 10 in production/,
    "production keeps page views off Calendly's rate limit",
  );
});

const builder = (over: Partial<Builder> = {}) =>
  ({
    id: "b",
    name: "Liam",
    bookingFlow: null,
    calendlyEventUrl: "https://calendly.com/liam/session",
    calendlyEventTypeUri: null,
    ...over,
  }) as Builder;
const bookable = (sessionTypes: Partial<SessionType>[] = [{ calendlyEventTypeUri: null }]): Bookability => ({
  state: "bookable",
  sessionTypes: sessionTypes as SessionType[],
});

t.test("pay-first is offered only where it can book", async (t) => {
  t.equal(payFirstBlock(builder(), bookable()), null, "an event URL the event type is resolved from");
  t.equal(payFirstBlock(builder(), { state: "demo", sessionTypes: [] }), "not_bookable");
  t.equal(payFirstBlock(builder({ bookingFlow: "EMBEDDED" }), bookable()), "builder_chose_embedded");
  t.equal(payFirstBlock(builder({ bookingFlow: "PAY_FIRST" }), bookable()), null);
  t.equal(payFirstBlock(builder({ calendlyEventUrl: null }), bookable()), "no_event_type", "nothing to book on");
  t.equal(
    payFirstBlock(
      builder({ calendlyEventUrl: null }),
      bookable([{ calendlyEventTypeUri: "https://api/event_types/X" }]),
    ),
    null,
    "a session type's own event type",
  );
});

const question = (over: Partial<BookingQuestion>): BookingQuestion => ({
  name: "Q",
  type: "string",
  position: 0,
  required: false,
  answerChoices: [],
  ...over,
});

t.test("answers are matched to the event type's questions before payment", async (t) => {
  const questions = [
    question({ name: "What would you like to build?", type: "text", position: 0, required: true }),
    question({ name: "Level", type: "single_select", position: 1, answerChoices: ["New", "Experienced"] }),
    question({ name: "Stack", type: "multi_select", position: 3, answerChoices: ["Node", "Python", "Go"] }),
  ];
  t.same(
    matchAnswers(questions, [
      { position: 1, answer: "New" },
      { position: 0, answer: "  A marketplace  " },
      { position: 3, answer: "Node, Go" },
    ]),
    [
      { question: "Level", answer: "New", position: 1 },
      { question: "What would you like to build?", answer: "A marketplace", position: 0 },
      { question: "Stack", answer: "Node, Go", position: 3 },
    ],
  );
  t.same(
    matchAnswers(questions, [
      { position: 0, answer: "x" },
      { position: 1, answer: " " },
    ]),
    [{ question: "What would you like to build?", answer: "x", position: 0 }],
    "an optional question left blank is not sent",
  );
  const fails = (answers: { position: number; answer: string }[], field: string, what: string) => {
    try {
      matchAnswers(questions, answers);
      t.fail(`${what}: accepted`);
    } catch (error) {
      t.ok(
        error instanceof AppError && error.statusCode === 422 && error.extra.field === field,
        `${what}: 422 on ${field}`,
      );
    }
  };
  fails([], "answers", "a required question unanswered");
  fails([{ position: 0, answer: "   " }], "answers", "a blank answer to a required question");
  fails(
    [
      { position: 0, answer: "x" },
      { position: 2, answer: "y" },
    ],
    "answers[1].position",
    "no such question",
  );
  fails(
    [
      { position: 0, answer: "x" },
      { position: 0, answer: "y" },
    ],
    "answers[1].position",
    "answered twice",
  );
  fails(
    [
      { position: 0, answer: "x" },
      { position: 1, answer: "Expert" },
    ],
    "answers[1].answer",
    "not one of the choices",
  );
  fails(
    [
      { position: 0, answer: "x" },
      { position: 3, answer: "Node, Rust" },
    ],
    "answers[1].answer",
    "one choice not offered",
  );
});

t.test("our tracking value marks our own bookings, and nothing else", async (t) => {
  const id = "2f4e6a8c-1b3d-4f5a-9c7e-0d2b4f6a8c1e";
  t.equal(trackingFor(id), `bk_${id}`);
  t.equal(bookingIdFromTracking(trackingFor(id)), id);
  t.equal(bookingIdFromTracking("att_Qm9va2luZ0F0dGVtcHQx"), null, "an embedded attempt's id");
  t.equal(bookingIdFromTracking(`bk_${id}x`), null);
  t.equal(bookingIdFromTracking(null), null);
});
