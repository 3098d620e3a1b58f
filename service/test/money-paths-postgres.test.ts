// Money paths on real PostgreSQL; money-paths.test.ts runs the same on PGlite.
import t from "tap";
import { moneyPaths } from "./helpers/money-paths.js";

moneyPaths(t, "postgres");
