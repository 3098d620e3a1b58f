// The sandbox Calendly's accounts beside the set-up's own: two more people, each with a
// Calendly of their own (event types, scheduling pages, a one-person organization), who can
// connect to an app through the fake's OAuth consent page.
import type { FakeUserConfig } from "./fake-calendly/index.js";

export const sandboxUsers: FakeUserConfig[] = [
  {
    uuid: "a1d4c0de-5a4d-4b0c-9a11-0000000000a1",
    slug: "ada-sandbox",
    name: "Ada Sandbox",
    email: "ada@sandbox.example",
    eventTypes: [
      {
        uuid: "a1d4c0de-5a4d-4b0c-9a11-0000000000e1",
        slug: "pairing-session",
        name: "Pairing session",
        durationMinutes: 60,
        customQuestions: [
          { name: "What are we pairing on?", type: "string" },
          {
            name: "Your stack",
            type: "single_select",
            answerChoices: ["TypeScript", "Python", "Something else"],
          },
        ],
      },
      { uuid: "a1d4c0de-5a4d-4b0c-9a11-0000000000e2", slug: "code-review", name: "Code review", durationMinutes: 30 },
    ],
  },
  {
    uuid: "6a2ce0de-5a4d-4b0c-9a11-0000000000b1",
    slug: "grace-sandbox",
    name: "Grace Sandbox",
    email: "grace@sandbox.example",
    eventTypes: [
      {
        uuid: "6a2ce0de-5a4d-4b0c-9a11-0000000000e1",
        slug: "architecture-review",
        name: "Architecture review",
        durationMinutes: 45,
      },
    ],
  },
];
