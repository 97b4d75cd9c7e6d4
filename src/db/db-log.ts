import type { DataSource } from "typeorm";
import type { Logger } from "../logger.js";

// Each data source's logger, for what the db layer reports on its own (transaction retries).
const logs = new WeakMap<DataSource, Logger>();

export const setLogOf = (ds: DataSource, log: Logger): void => void logs.set(ds, log);
export const logOf = (ds: DataSource): Logger | undefined => logs.get(ds);
