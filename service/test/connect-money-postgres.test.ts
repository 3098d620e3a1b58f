// Marketplace mode's money paths on PostgreSQL (see helpers/connect-money.ts).
import t from "tap";
import { connectMoney } from "./helpers/connect-money.js";

await connectMoney(t, "postgres");
