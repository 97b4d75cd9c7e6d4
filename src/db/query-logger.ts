import type { Logger as TypeOrmLogger } from "typeorm";
import type { Logger } from "../logger.js";
import { countStatement } from "./request-scope.js";

/** Counts statements per request (for the N+1 tests and metrics) and sends TypeORM's messages to pino. */
export class QueryLogger implements TypeOrmLogger {
  constructor(private readonly pino: Logger) {}
  logQuery(): void {
    countStatement();
  }
  logQueryError(error: string | Error, query: string): void {
    this.pino.debug({ err: error, query }, "query failed");
  }
  logQuerySlow(time: number, query: string): void {
    this.pino.warn({ time, query }, "slow query");
  }
  logSchemaBuild(message: string): void {
    this.pino.debug(message);
  }
  logMigration(message: string): void {
    this.pino.info(message);
  }
  log(level: "log" | "info" | "warn", message: unknown): void {
    if (level === "warn") this.pino.warn({ message }, "typeorm");
    else this.pino.debug({ message }, "typeorm");
  }
}
