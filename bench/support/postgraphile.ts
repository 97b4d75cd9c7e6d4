import { fork } from "node:child_process";
import { V8_FLAGS } from "../../src/gc-tuning.js";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export type PostgraphileServer = {
  url: string;
  /** The child process serving it, whose CPU time the load measures. */
  pid: number;
  stop: () => Promise<void>;
};

const child = fileURLToPath(new URL("./postgraphile-child.js", import.meta.url));

/** PostGraphile 5 over databaseUrl in a child process, as its users run it in production. */
export async function startPostgraphile(databaseUrl: string, poolSize: number): Promise<PostgraphileServer> {
  const proc = fork(child, [databaseUrl, String(poolSize)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // The runtime flags fedicentral runs with (src/gc-tuning.ts), so that neither side has a tuning the other lacks.
    execArgv: [...V8_FLAGS],
    env: { ...process.env, NODE_ENV: "production" },
  });
  const [message] = (await Promise.race([
    once(proc, "message"),
    once(proc, "exit").then(([code]) => [{ error: `exited with ${String(code)}` }]),
  ])) as [{ url?: string; error?: string }];
  if (!message.url) {
    proc.kill();
    throw new Error(`PostGraphile did not start: ${message.error}`);
  }
  return {
    url: message.url,
    pid: proc.pid!,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = once(proc, "exit");
      proc.disconnect();
      await exited;
    },
  };
}

/**
 * The bench query as PostGraphile spells it: the same rows in the same order (fedicentral orders by
 * name or domain, then id), the same fields (quota are columns there, the backup policy the service's row of
 * backup_policy: the bench sets no provider defaults, so it is the effective one), cursors on every
 * edge, the same page sizes (fedicentral's nested connections default to 20). Aliased to fedicentral's
 * field names, so that one walk counts the work of both answers.
 */
export const POSTGRAPHILE_QUERY = `{
  operators: allOperators(first: 20, orderBy: [NAME_ASC, ROW_ID_ASC]) {
    edges {
      cursor
      node {
        id slug name contactEmail dnsZone status quotaStorageGib quotaVcpus quotaMemoryGib bespokeInfo
        createdAt updatedAt
        deployments: deploymentsByOperatorId(first: 20, orderBy: [NAME_ASC, ROW_ID_ASC]) {
          edges {
            cursor
            node {
              id name stagedGeneration deployedGeneration deployedAt createdAt updatedAt
              services: servicesByDeploymentId(first: 20, orderBy: [DOMAIN_ASC, ROW_ID_ASC]) {
                edges {
                  cursor
                  node {
                    id enabled domain options blockStorageGib blobStorageGib vcpus memoryGib
                    backupPolicy: backupPolicyByServiceId {
                      schedule keepLast keepHourly keepDaily keepWeekly keepMonthly keepYearly
                    }
                    createdAt updatedAt
                  }
                }
              }
            }
          }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;
