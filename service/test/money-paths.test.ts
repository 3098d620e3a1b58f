// Money paths on the embedded database (PGlite); money-paths-postgres.test.ts runs the same on PostgreSQL.
import t from "tap";
import { moneyPaths } from "./helpers/money-paths.js";

moneyPaths(t, "pglite");
