// Builders' Calendly tokens at rest: AES-256-GCM under a key named beside each ciphertext; the
// first configured key encrypts, every key decrypts (rotation), and the configuration refuses a
// bad key list or a production OAuth set-up without one.
import { randomBytes } from "node:crypto";
import t from "tap";
import { ConfigError, loadConfig } from "../src/config.js";
import { parseTokenKeys, TokenCipher } from "../src/lib/token-cipher.js";

const k = () => randomBytes(32).toString("base64");

t.test("round trip, bound to what it belongs to", async (t) => {
  const { keys, problems } = parseTokenKeys(`k1:${k()}`);
  t.same(problems, []);
  const cipher = new TokenCipher(keys);
  const sealed = cipher.seal("secret-access-token", "calendly:builder-1:access");
  t.equal(sealed.keyId, "k1");
  t.notOk(sealed.ciphertext.includes("secret-access-token"));
  t.not(
    cipher.seal("secret-access-token", "x").ciphertext,
    cipher.seal("secret-access-token", "x").ciphertext,
    "fresh IV",
  );
  t.equal(cipher.open(sealed, "calendly:builder-1:access"), "secret-access-token");
  t.throws(() => cipher.open(sealed, "calendly:builder-2:access"), "another row's ciphertext does not open");
  const [iv, body, tag] = sealed.ciphertext.split(".");
  const flipped = Buffer.from(body!, "base64url");
  flipped[0] = flipped[0]! ^ 1;
  t.throws(
    () =>
      cipher.open(
        { ...sealed, ciphertext: [iv, flipped.toString("base64url"), tag].join(".") },
        "calendly:builder-1:access",
      ),
    "a changed ciphertext is refused",
  );
});

t.test("rotation: the new key first encrypts, the old one still decrypts, an unknown one is named", async (t) => {
  const oldKey = k();
  const newKey = k();
  const before = new TokenCipher(parseTokenKeys(`old:${oldKey}`).keys);
  const sealed = before.seal("refresh-token", "aad");
  const rotated = new TokenCipher(parseTokenKeys(`new:${newKey},old:${oldKey}`).keys);
  t.equal(rotated.open(sealed, "aad"), "refresh-token", "old ciphertexts still open");
  const resealed = rotated.seal(rotated.open(sealed, "aad"), "aad");
  t.equal(resealed.keyId, "new", "re-encrypted under the new key");
  const retired = new TokenCipher(parseTokenKeys(`new:${newKey}`).keys);
  t.equal(retired.open(resealed, "aad"), "refresh-token");
  t.throws(() => retired.open(sealed, "aad"), /no token encryption key "old"/);
});

t.test("key lists are checked entry by entry, without echoing a key", async (t) => {
  const short = Buffer.from("too short").toString("base64");
  const { problems } = parseTokenKeys(`a:${short},:${k()},b:${k()},b:${k()}`);
  t.match(problems, [/key "a" must be 32 bytes/, /entry 2 must be keyId:base64-key/, /key id "b" is listed twice/]);
  t.notOk(problems.join(" ").includes(short));
  t.match(parseTokenKeys(" , ").problems, [/at least one/]);
});

/** The problems a configuration is refused with (none: it loads). */
function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
    return "";
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join("\n");
    throw error;
  }
}

const live = {
  PROVIDER_MODE: "live",
  STRIPE_SECRET_KEY: "sk_live_abc",
  STRIPE_WEBHOOK_SECRET: "whsec_abc",
  CALENDLY_WEBHOOK_SIGNING_KEY: "app-signing-key",
  BOOKING_TOKEN_SECRET: "x".repeat(40),
  PGLITE_DIR: "memory://",
};

t.test("configuration: OAuth in live mode needs the encryption keys and PUBLIC_URL, not CALENDLY_TOKEN", async (t) => {
  const oauth = { CALENDLY_OAUTH_CLIENT_ID: "client", CALENDLY_OAUTH_CLIENT_SECRET: "secret" };
  const missing = problemsOf({ ...live, ...oauth });
  t.match(missing, /CALENDLY_TOKEN_ENCRYPTION_KEYS is required/);
  t.match(missing, /PUBLIC_URL is required/);
  t.notMatch(missing, /CALENDLY_TOKEN is required/, "builders bring their own tokens");
  const config = loadConfig({
    ...live,
    ...oauth,
    CALENDLY_TOKEN_ENCRYPTION_KEYS: `k2:${k()},k1:${k()}`,
    PUBLIC_URL: "https://booking.example.com",
  });
  t.match(config.calendly, { token: "", oauth: { clientId: "client", authBase: "https://auth.calendly.com" } });
  t.same(
    config.calendly.tokenKeys.map((key) => key.id),
    ["k2", "k1"],
  );
  const half = problemsOf({ ...live, CALENDLY_OAUTH_CLIENT_ID: "client" });
  t.match(half, /set together/);
  t.match(half, /CALENDLY_TOKEN is required/);
  t.match(
    problemsOf({ ...live, ...oauth, CALENDLY_TOKEN_ENCRYPTION_KEYS: "k1:short", PUBLIC_URL: "https://b.example" }),
    /CALENDLY_TOKEN_ENCRYPTION_KEYS key "k1" must be 32 bytes/,
  );
  t.match(problemsOf({ ...live }), /CALENDLY_TOKEN is required/, "without OAuth the token stays required");
});

t.test("configuration: sandbox mode uses the public development key; production refuses it", async (t) => {
  const sandbox = {
    PROVIDER_MODE: "sandbox",
    STRIPE_API_BASE: "http://127.0.0.1:4242",
    CALENDLY_API_BASE: "http://127.0.0.1:4243/api",
    CALENDLY_ORIGIN: "http://127.0.0.1:4243",
    CALENDLY_AUTH_BASE: "http://127.0.0.1:4243",
    CALENDLY_OAUTH_CLIENT_ID: "sandbox-calendly-client-id",
    CALENDLY_OAUTH_CLIENT_SECRET: "sandbox-calendly-client-secret",
    PGLITE_DIR: "memory://",
  };
  t.same(
    loadConfig(sandbox).calendly.tokenKeys.map((key) => key.id),
    ["dev"],
  );
  t.match(problemsOf({ ...sandbox, NODE_ENV: "production" }), /CALENDLY_TOKEN_ENCRYPTION_KEYS is required/);
  const { CALENDLY_AUTH_BASE: _, ...noAuthBase } = sandbox;
  t.match(problemsOf(noAuthBase), /CALENDLY_AUTH_BASE is required/);
});
