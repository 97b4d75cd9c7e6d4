import type { MigrationInterface } from "typeorm";
import { Initial1795803515313 } from "./1795803515313-Initial.js";

// Every migration, in order. New ones come from `npm run db:generate -- <Name>`, reviewed, then appended here.
export const migrations: (new () => MigrationInterface)[] = [Initial1795803515313];
