// Stripe's idempotency semantics for POST requests carrying an `Idempotency-Key`:
// - same key, same endpoint and parameters: the saved response is replayed (`Idempotent-Replayed: true`);
// - same key, different parameters or endpoint: 400 idempotency_error;
// - same key while the first request is still running: 409 idempotency_key_in_use (retryable);
// - a request that failed before the endpoint ran (validation, injected fault) saves nothing.
import { idempotencyInFlight, idempotencyMismatch, invalidParam } from "./errors.js";

export interface SavedResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  method: string;
  path: string;
  params: string;
  response: SavedResponse | null;
  createdAt: number;
}

export type Begin = { kind: "new" } | { kind: "replay"; response: SavedResponse };

const MAX_KEY_LENGTH = 255;
const KEY_TTL_MS = 24 * 60 * 60 * 1000;

export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>();

  begin(key: string, method: string, path: string, params: string): Begin {
    if (key.length > MAX_KEY_LENGTH) {
      throw invalidParam(
        `Idempotency key length was ${key.length} characters, which is greater than the ${MAX_KEY_LENGTH} characters allowed.`,
        "idempotency_key",
      );
    }
    const existing = this.#entries.get(key);
    if (existing && Date.now() - existing.createdAt > KEY_TTL_MS) this.#entries.delete(key);
    const entry = this.#entries.get(key);
    if (!entry) {
      this.#entries.set(key, { method, path, params, response: null, createdAt: Date.now() });
      return { kind: "new" };
    }
    if (entry.method !== method || entry.path !== path) throw idempotencyMismatch(key, "endpoint");
    if (entry.params !== params) throw idempotencyMismatch(key, "params");
    if (!entry.response) throw idempotencyInFlight(key);
    return { kind: "replay", response: entry.response };
  }

  /** Saves the response for replay. */
  complete(key: string, response: SavedResponse): void {
    const entry = this.#entries.get(key);
    if (entry) entry.response = response;
  }

  /** Forgets a key whose request did not reach the endpoint, so a retry runs afresh. */
  release(key: string): void {
    const entry = this.#entries.get(key);
    if (entry && !entry.response) this.#entries.delete(key);
  }
}
