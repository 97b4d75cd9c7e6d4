import type { DataSource } from "typeorm";
import type { Principal } from "../common/principal.js";
import { dbOf } from "../db/db.js";
import { Access, type Place } from "./access.js";
import { EnforcerCache, explainWith } from "./enforcer-cache.js";
import { SubjectDomains } from "./subject-domains.js";
import type { PolicyCaches } from "./watcher.js";
import { type Domain, INSTALLATION_DOMAIN, domainName, parseDomain, subjectOf } from "./model.js";
import type { Permission } from "./permissions.js";

/** Which grant decided a check: the role held, where, and the two Casbin policy lines involved. */
export type Decision = {
  allowed: boolean;
  subject: string;
  permission: Permission;
  /** The domain whose grant allowed it; null when denied. */
  domain: string | null;
  role: string | null;
  /** `g, <subject>, <role>, <domain>` and `p, <role>, <object>, <action>`. */
  grant: string | null;
  rule: string | null;
};

/**
 * The process's authorization: per-domain Casbin enforcers (cached, invalidated by the policy watcher)
 * deciding point checks, and the per-request Access built from them.
 */
export class Authz implements PolicyCaches {
  readonly enforcers: EnforcerCache;
  readonly subjects: SubjectDomains;

  constructor(
    ds: DataSource,
    private readonly opts: {
      enforcerCacheSize: number;
      subjectCacheSize?: number;
      /** The catalogue's read permission of each node kind, for the Access it builds. */
      readOf: ReadonlyMap<string, Permission>;
    },
  ) {
    this.enforcers = new EnforcerCache(ds, opts.enforcerCacheSize);
    this.subjects = new SubjectDomains(dbOf(ds), opts.subjectCacheSize ?? opts.enforcerCacheSize);
  }

  /**
   * Everything the principal may do, asked of the enforcers of each domain it holds a role in. Both the
   * subject's domains and the enforcers are cached, so a warm request runs no SQL for this.
   */
  async accessFor(principal: Principal | null): Promise<Access> {
    if (!principal) return Access.anonymous();
    const subject = subjectOf(principal);
    // Only the installation, provider and operator domains count; anything else in the table grants nothing.
    const domains = (await this.subjects.get(subject)).flatMap((name) => {
      const domain = parseDomain(name);
      return domain ? [{ name, domain }] : [];
    });
    const held = await Promise.all(
      domains.map(async ({ name: domain, domain: parsed }) => {
        let e = await this.enforcers.get(domain);
        // Granted there (the list says so) but unknown to a cached enforcer: a grant made a moment ago,
        // whose notification has not arrived yet. Reload rather than wait.
        if (!e.knows(subject)) {
          this.enforcers.invalidate(domain);
          e = await this.enforcers.get(domain);
        }
        return { domain: parsed, permissions: e.permissionsOf(subject) };
      }),
    );
    return Access.of(principal, subject, held, this.opts.readOf);
  }

  /** A domain's grants changed (for subject, when known): its cached decisions go. */
  invalidate(domain: string, subject?: string): void {
    this.enforcers.invalidate(domain);
    if (subject) this.subjects.invalidate(subject);
  }

  clear(): void {
    this.enforcers.clear();
    this.subjects.clear();
  }

  /** Each role's permissions, from the role policy lines every enforcer loads. */
  async rolePermissions(): Promise<ReadonlyMap<string, ReadonlySet<Permission>>> {
    return (await this.enforcers.get(INSTALLATION_DOMAIN)).rolePermissions;
  }

  /** One permission check where a thing belongs (null: installation-wide), the widest domain first. */
  async check(subject: string, permission: Permission, at: Place | null): Promise<boolean> {
    for (const domain of domainsOf(at)) {
      if ((await this.enforcers.get(domain)).check(subject, permission)) return true;
    }
    return false;
  }

  /** The same check, answering which grant and policy line decided it. */
  async explain(subject: string, permission: Permission, at: Place | null): Promise<Decision> {
    for (const domain of domainsOf(at)) {
      const [allowed, rule] = explainWith(await this.enforcers.casbin(domain), domain, subject, permission);
      if (!allowed) continue;
      const role = rule[0] ?? null;
      return {
        allowed,
        subject,
        permission,
        domain,
        role,
        grant: `g, ${subject}, ${role}, ${domain}`,
        rule: `p, ${rule.join(", ")}`,
      };
    }
    return { allowed: false, subject, permission, domain: null, role: null, grant: null, rule: null };
  }
}

/** The domains whose grants reach a place: the installation, its provider, its operator. */
function domainsOf(at: Place | null): string[] {
  const out: Domain[] = [{ kind: "installation" }];
  if (at) out.push({ kind: "provider", providerId: at.providerId });
  if (at?.operatorId) out.push({ kind: "operator", operatorId: at.operatorId });
  return out.map(domainName);
}
