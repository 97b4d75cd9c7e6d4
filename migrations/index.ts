import type { MigrationInterface } from "typeorm";
import { Initial1795803515313 } from "./1795803515313-Initial.js";
import { Runs1795804131278 } from "./1795804131278-Runs.js";

// Every migration, in order. New ones come from `npm run db:generate -- <Name>`, reviewed, then appended here.
export const migrations: (new () => MigrationInterface)[] = [Initial1795803515313, Runs1795804131278];
