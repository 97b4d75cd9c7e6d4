import "reflect-metadata";
import { createWriteStream } from "node:fs";
import { type ExportScope, writeExport } from "../../src/accounting/export.js";
import { createDataSource } from "../../src/db/data-source.js";
import { createLogger } from "../../src/logger.js";

// Runs one export in a process of its own (forked by the accounting bench), so its peak RSS is the
// export's alone: the bench process holds a million generated events' worth of garbage.
process.once("message", (msg: { url: string; scope: ExportScope; file: string }) => {
  void (async () => {
    const ds = createDataSource({ url: msg.url, log: createLogger("silent"), poolSize: 2 });
    await ds.initialize();
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const counts = await writeExport(ds, msg.scope, "jsonl", createWriteStream(msg.file));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    await ds.destroy();
    // maxRSS is the process's peak resident set, in kilobytes, as the kernel counts it.
    process.send!(
      {
        ...counts,
        seconds,
        cpuMs: (used.user + used.system) / 1000,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
      },
      () => process.exit(0),
    );
  })().catch((e: unknown) => process.send!({ error: String(e) }, () => process.exit(1)));
});
