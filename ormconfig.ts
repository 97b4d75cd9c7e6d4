import "reflect-metadata";
import { ConfigError, loadConfig } from "./src/config.js";
import { createDataSource } from "./src/db/data-source.js";
import { createLogger } from "./src/logger.js";

// The TypeORM DataSource for the `typeorm` command (`npx typeorm -d dist/ormconfig.js migration:show`): the
// service's own definition (src/db/data-source.ts), on DATABASE_URL or DATABASE_URL_FILE. Apply migrations
// with `fedicentral db migrate`, which takes the migration lock; the typeorm command does not.
const config = loadConfig();
if (!config.databaseUrl) throw new ConfigError("ormconfig: DATABASE_URL (or DATABASE_URL_FILE) is not set");

export default createDataSource({
  url: config.databaseUrl,
  poolSize: 2,
  log: createLogger(config.logLevel),
  applicationName: "fedicentral-typeorm",
});
