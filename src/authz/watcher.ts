import type { DataSource } from "typeorm";
import { sharedNotifications } from "../db/notifications.js";
import type { Logger } from "../logger.js";
/**
 * The channel a trigger on casbin_rule notifies: `<domain> <subject>` for a changed grant, "*" when role
 * permissions changed.
 */
export const POLICY_CHANNEL = "casbin_policy";

/** What a process caches of the policies: per domain, and (optionally) per subject. */
export type PolicyCaches = { invalidate(domain: string, subject?: string): void; clear(): void };

export type PolicyWatcher = { ready: Promise<void>; stop: () => Promise<void> };

/**
 * Drops a domain's decisions (and the subject's list of domains) in this process whenever its policy
 * lines change in any process (the notification comes with the commit). After a lost connection
 * everything goes: changes made meanwhile were not heard.
 */
export function watchPolicies(ds: DataSource, caches: PolicyCaches, log: Logger): PolicyWatcher {
  const notifications = sharedNotifications(ds, log);
  notifications.on(POLICY_CHANNEL, (payload) => {
    const [domain, subject] = payload.split(" ");
    if (!domain || domain === "*") caches.clear();
    else caches.invalidate(domain, subject);
  });
  notifications.onReconnect(() => caches.clear());
  const ready = notifications.ready(POLICY_CHANNEL).then(() => caches.clear());
  return { ready, stop: () => notifications.release() };
}
