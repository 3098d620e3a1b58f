// Marketplace mode's money paths on the embedded database (PGlite); connect-money-postgres.test.ts
// runs the same on PostgreSQL.
import t from "tap";
import { connectMoney } from "./helpers/connect-money.js";

await connectMoney(t, "pglite");
