// Which errors the error handler answers with 503 database_unavailable: classified by code, kind
// and class, not by what a message happens to say.
import t from "tap";
import { isDatabaseUnavailable } from "../src/plugins/error-handler.js";

const coded = (code: string, message = "whatever the driver says") => Object.assign(new Error(message), { code });

t.test("codes of an unreachable database", async (t) => {
  for (const code of [
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "P1001",
    "P1017",
    "P2024",
    "P2028",
    "57P01",
    "08006",
  ]) {
    t.ok(isDatabaseUnavailable(coded(code)), code);
  }
});

t.test("the driver adapter's kinds, Prisma's initialization error, and causes", async (t) => {
  t.ok(isDatabaseUnavailable(Object.assign(new Error("x"), { cause: { kind: "DatabaseNotReachable" } })), "kind");
  const init = new Error("x");
  init.name = "PrismaClientInitializationError";
  t.ok(isDatabaseUnavailable(init), "initialization");
  t.ok(isDatabaseUnavailable(new Error("outer", { cause: coded("ECONNREFUSED") })), "a wrapped cause");
  t.ok(isDatabaseUnavailable(new Error("Connection terminated unexpectedly")), "node-postgres's uncoded drop");
});

t.test("everything else is not the database being down", async (t) => {
  t.notOk(isDatabaseUnavailable(coded("P2002", "Unique constraint failed")), "a unique violation");
  t.notOk(isDatabaseUnavailable(coded("23505")), "SQLSTATE 23505");
  t.notOk(isDatabaseUnavailable(coded("P2002", "Can't reach database server")), "a message alone does not decide");
  t.notOk(isDatabaseUnavailable(new Error("ECONNREFUSED from Stripe")), "a message naming a code is not the code");
  t.notOk(isDatabaseUnavailable(undefined), "nothing");
  const loop: { cause?: unknown } = new Error("loop");
  loop.cause = { cause: loop };
  t.notOk(isDatabaseUnavailable(loop), "a cause cycle ends");
});
