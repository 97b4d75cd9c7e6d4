// The fake NetBox of the netbox bench, in its own process so the bench's RSS is the sync's alone.
// Parent → child (IPC): { type: "changes", count } applies that many changes; the child answers { type: "done" }.
import { generateNetboxData, makeV1Token, startFakeNetbox } from "../../test/fakes/netbox/index.js";

const SIZES = {
  tenants: 20,
  sites: 200,
  racks: 400,
  devices: 10_000,
  interfaces: 100_000,
  ipAddresses: 50_000,
  prefixes: 500,
  vlans: 400,
  clusters: 20,
  vms: 2_000,
};

async function main(): Promise<void> {
  const token = makeV1Token();
  const data = generateNetboxData(SIZES);
  const nb = await startFakeNetbox({ data, tokens: [token], version: "4.6" });
  process.on("message", (msg: { type: string; count: number }) => {
    if (msg.type !== "changes") return;
    applyChanges(nb, msg.count);
    process.send!({ type: "done" });
  });
  process.on("disconnect", () => void nb.stop().then(() => process.exit(0)));
  process.send!({ type: "ready", url: nb.url, token, sizes: SIZES });
}

/** A realistic mix: updates of devices and interfaces, new IPs, deleted VMs, renamed sites. */
function applyChanges(nb: Awaited<ReturnType<typeof startFakeNetbox>>, count: number): void {
  for (let i = 0; i < count; i++) {
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        nb.update("devices", 1 + ((i * 97) % SIZES.devices), { status: i % 2 ? "offline" : "planned" });
        break;
      case 4:
      case 5:
        nb.update("interfaces", 1 + ((i * 7919) % SIZES.interfaces), { description: `changed ${i}` });
        break;
      case 6:
      case 7:
        nb.create("ip-addresses", { address: `203.0.113.${i % 250}/24`, tenant_id: 1 + (i % SIZES.tenants) });
        break;
      case 8:
        nb.remove("virtual-machines", 1 + i);
        break;
      default:
        nb.update("sites", 1 + (i % SIZES.sites), { name: `SITE-RENAMED-${i}` });
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
