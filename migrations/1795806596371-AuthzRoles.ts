import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Hand-written data: the roles and their permissions, as Casbin `p` lines (role, object, action).
 * A later change to a role is a new migration like this one, together with src/authz/roles.ts
 * (test/integration/authz-policy.test.ts compares the two).
 */
const ROLE_PERMISSIONS: Record<string, string[]> = {
  "provider-admin": [
    "accounting:checkpoint",
    "accounting:read",
    "catalog:read",
    "client:manage",
    "client:read",
    "config:read",
    "deployment:read",
    "deployment:write",
    "netbox:manage",
    "netbox:read",
    "netbox:sync",
    "operator:create",
    "operator:read",
    "operator:suspend",
    "operator:update",
    "policy:manage",
    "policy:read",
    "provider-info:read",
    "provider:manage",
    "provider:read",
    "quota:set",
    "run:apply",
    "run:cancel",
    "run:read",
    "self:manage",
    "self:read",
    "session:revoke",
    "state:report",
    "user:manage",
    "user:read",
  ],
  "provider-viewer": [
    "catalog:read",
    "client:read",
    "config:read",
    "deployment:read",
    "netbox:read",
    "operator:read",
    "policy:read",
    "provider-info:read",
    "provider:read",
    "run:read",
    "self:manage",
    "self:read",
    "user:read",
  ],
  "operator-admin": [
    "accounting:read",
    "catalog:read",
    "config:read",
    "deployment:read",
    "deployment:write",
    "netbox:read",
    "operator:read",
    "policy:manage",
    "policy:read",
    "provider:read",
    "run:apply",
    "run:cancel",
    "run:read",
    "self:manage",
    "self:read",
  ],
  "operator-member": [
    "catalog:read",
    "config:read",
    "deployment:read",
    "deployment:write",
    "netbox:read",
    "operator:read",
    "policy:read",
    "provider:read",
    "run:apply",
    "run:cancel",
    "run:read",
    "self:manage",
    "self:read",
  ],
  "operator-viewer": [
    "catalog:read",
    "config:read",
    "deployment:read",
    "netbox:read",
    "operator:read",
    "policy:read",
    "provider:read",
    "run:read",
    "self:manage",
    "self:read",
  ],
  auditor: [
    "accounting:read",
    "catalog:read",
    "config:read",
    "deployment:read",
    "netbox:read",
    "operator:read",
    "policy:read",
    "provider:read",
    "run:read",
    "self:manage",
    "self:read",
  ],
  "config-reader": ["config:read", "state:report"],
};

const lines = () =>
  Object.entries(ROLE_PERMISSIONS).flatMap(([role, permissions]) =>
    permissions.map((p) => {
      const i = p.lastIndexOf(":");
      return [role, p.slice(0, i), p.slice(i + 1)];
    }),
  );

export class AuthzRoles1795806596371 implements MigrationInterface {
  name = "AuthzRoles1795806596371";

  public async up(queryRunner: QueryRunner): Promise<void> {
    const rows = lines();
    await queryRunner.query(
      `INSERT INTO casbin_rule (ptype, v0, v1, v2)
       SELECT 'p', r, o, a FROM unnest($1::text[], $2::text[], $3::text[]) AS l(r, o, a)`,
      [rows.map((l) => l[0]), rows.map((l) => l[1]), rows.map((l) => l[2])],
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = ANY($1::text[])`, [
      Object.keys(ROLE_PERMISSIONS),
    ]);
  }
}
