import { ConfigError } from "./common/config-error.js";
import { serve } from "./serve.js";

serve().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`fedicentral: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `fedicentral: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});
