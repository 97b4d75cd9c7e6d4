import { RunLogChunkEntity } from "./run-log-chunk.entity.js";
import { RunEntity } from "./run.entity.js";

/** The tables runs owns; src/entities.ts lists every feature's for the DataSource. */
export const runsEntities = [RunEntity, RunLogChunkEntity];
