// Event types' custom questions (the booking form's fields after name and e-mail), as Calendly
// shows them in `custom_questions`, and the check of an invitee's answers to them: the page's
// `a1…a10` and the Scheduling API's `questions_and_answers` both go through `checkAnswers`.
import { FakeCalendlyError } from "./store.js";
import type { EventType, QuestionAndAnswer } from "./wire.js";

export const QUESTION_TYPES = ["string", "text", "phone_number", "single_select", "multi_select"] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** A custom question of a configured event type; its position is its index in the list. */
export interface FakeCustomQuestionConfig {
  /** The question as the invitee reads it. */
  name: string;
  /** Default "text" (several lines). */
  type?: QuestionType;
  /** Default false. */
  required?: boolean;
  /** Default true; a disabled question is listed but not asked. */
  enabled?: boolean;
  /** The choices of a *_select question (at least one). */
  answerChoices?: string[];
  /** A *_select question also accepts an answer of the invitee's own. Default false. */
  includeOther?: boolean;
}

export interface CustomQuestionRecord {
  name: string;
  type: QuestionType;
  position: number;
  enabled: boolean;
  required: boolean;
  answerChoices: string[];
  includeOther: boolean;
}

/** Longest answer the fake keeps (Calendly's multi-line fields hold 10,000 characters). */
export const MAX_ANSWER_LENGTH = 10_000;
const PHONE_PATTERN = /^\+?[0-9][0-9 ().-]{4,24}$/;

/** Checks a configuration's questions; throws an Error naming `where` and the problem. */
export function customQuestionRecords(
  configs: FakeCustomQuestionConfig[] | undefined,
  where: string,
): CustomQuestionRecord[] {
  if (configs === undefined) return [];
  if (!Array.isArray(configs)) throw new Error(`${where}: customQuestions must be an array`);
  if (configs.length > 10) throw new Error(`${where}: at most 10 custom questions`);
  return configs.map((q, position) => {
    if (!q || typeof q.name !== "string" || !q.name.trim()) {
      throw new Error(`${where}: custom question ${position} needs a name`);
    }
    const type = q.type ?? "text";
    if (!(QUESTION_TYPES as readonly string[]).includes(type)) {
      throw new Error(`${where}: custom question ${position} has an unknown type ${String(type)}`);
    }
    const choices = q.answerChoices ?? [];
    if (!Array.isArray(choices) || choices.some((c) => typeof c !== "string" || !c.trim())) {
      throw new Error(`${where}: custom question ${position}: answerChoices must be non-empty strings`);
    }
    const select = type === "single_select" || type === "multi_select";
    if (select && choices.length === 0) throw new Error(`${where}: custom question ${position} needs answerChoices`);
    if (!select && choices.length > 0) {
      throw new Error(`${where}: custom question ${position}: only *_select questions have answerChoices`);
    }
    return {
      name: q.name.trim(),
      type,
      position,
      enabled: q.enabled ?? true,
      required: q.required ?? false,
      answerChoices: choices.map((c) => c.trim()),
      includeOther: q.includeOther ?? false,
    };
  });
}

export function customQuestionResource(q: CustomQuestionRecord): EventType["custom_questions"][number] {
  return {
    name: q.name,
    type: q.type,
    position: q.position,
    enabled: q.enabled,
    required: q.required,
    answer_choices: [...q.answerChoices],
    include_other: q.includeOther,
  };
}

export interface AnswerInput {
  position: number;
  answer: string;
}

function invalidAnswer(parameter: string, message: string): FakeCalendlyError {
  return new FakeCalendlyError(400, "Invalid Argument", "The supplied parameters are invalid.", [
    { parameter, message },
  ]);
}

/**
 * The invitee's answers as Calendly records them (the event type's own wording, in position
 * order, blank answers left out), or a 400 naming what is wrong: an answer to no question of the
 * event type, one outside a select question's choices, a bad phone number, or a required question
 * left unanswered. `parameter(i)` names answer i in errors.
 */
export function checkAnswers(
  questions: readonly CustomQuestionRecord[],
  answers: readonly AnswerInput[],
  parameter: (index: number) => string,
): QuestionAndAnswer[] {
  const out: QuestionAndAnswer[] = [];
  const seen = new Set<number>();
  answers.forEach((input, index) => {
    const answer = input.answer.trim();
    const question = questions.find((q) => q.position === input.position && q.enabled);
    if (!question) throw invalidAnswer(parameter(index), "does not answer a question of this event type");
    if (seen.has(input.position)) throw invalidAnswer(parameter(index), "answers the same question twice");
    seen.add(input.position);
    if (!answer) return;
    if (answer.length > MAX_ANSWER_LENGTH) {
      throw invalidAnswer(parameter(index), `is too long (maximum is ${MAX_ANSWER_LENGTH} characters)`);
    }
    if (question.type === "phone_number" && !PHONE_PATTERN.test(answer)) {
      throw invalidAnswer(parameter(index), "is not a valid phone number");
    }
    if ((question.type === "single_select" || question.type === "multi_select") && !question.includeOther) {
      const picked = question.type === "single_select" ? [answer] : answer.split("\n").map((a) => a.trim());
      if (picked.some((a) => !question.answerChoices.includes(a))) {
        throw invalidAnswer(parameter(index), `must be one of: ${question.answerChoices.join(", ")}`);
      }
    }
    out.push({ question: question.name, answer, position: question.position });
  });
  for (const question of questions) {
    if (question.enabled && question.required && !out.some((a) => a.position === question.position)) {
      throw invalidAnswer(
        "questions_and_answers",
        `an answer to "${question.name}" (position ${question.position}) is required`,
      );
    }
  }
  return out.sort((a, b) => a.position - b.position);
}
