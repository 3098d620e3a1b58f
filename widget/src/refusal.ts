// SPDX-License-Identifier: MIT
import { ApiError } from "./api-client.js";
import type { FlowEvent } from "./booking-flow.js";

/**
 * Pay first: a reservation's or rebooking's answer as the event `type`, or the service's refusal
 * (with the field it names) as `refused`, for the flow to judge. Aborts and other exceptions pass.
 */
export const answerOrRefusal = (work: Promise<unknown>, type: "reservation" | "rebooked"): Promise<FlowEvent> =>
  work.then(
    (answer) => ({ type, answer }),
    (e) => {
      if (!(e instanceof ApiError)) throw e;
      const { code, message, retryable, retryAfter, field } = e;
      return { type: "refused", failure: { code, message, retryable, retryAfter, field } };
    },
  );
