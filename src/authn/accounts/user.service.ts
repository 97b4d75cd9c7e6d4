import type { DataSource, EntityManager } from "typeorm";
import { FailureTallies } from "../../accounting/failure-tally.js";
import { changesBetween, recordEvent } from "../../accounting/record-event.js";
import { DomainError, badInput, notFound } from "../../common/errors.js";
import { expectGlobalId, toGlobalId } from "../../common/global-id.js";
import { accessOf } from "../../authz/denied.js";
import { Permission } from "../../authz/permissions.js";
import { scopeCondition } from "../../authz/scope-sql.js";
import * as v from "../../common/validate.js";
import { keysetSql } from "../../db/keyset.js";
import { type Grant, writeGrant } from "../../authz/policy-store.js";
import { inTransaction } from "../../db/transaction.js";
import { type Connection, type PageArgs, pageRequest, toConnection } from "../../api/connection.js";
import type { Caller } from "../../common/caller.js";
import type { Me } from "../authn.types.js";
import type { SecretBox } from "../../common/secret-box.js";
import { whoAmI } from "../me.js";
import { type SessionRow, endSession, revokeAccountState, sessionsOf } from "../oidc/sessions.js";
import { LoginThrottle } from "./login-throttle.js";
import { hashPassword, passwordProblem, verifyPassword } from "./passwords.js";
import {
  looksLikeRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  recoveryCodeDigest,
  totpStep,
  totpUri,
} from "./totp.js";
import { USER_COLUMNS, type User, type UserFilter, toUser } from "./user.types.js";
import { UserEntity } from "./user.entity.js";
import { textKey, uuidKey } from "../../db/sort-key.js";
import { authorizeNewPerson, authorizePersonChange } from "./person-authz.js";
import { sql, sqlTemplate } from "../../db/named-sql.js";
import { whereClause } from "../../db/list-page.js";

export type CreateUserValues = { email: string; displayName: string; password?: string | null };

/** How a sign-in attempt ended; the login page words each one without telling whether an email exists. */
export type SignInOutcome =
  | { kind: "signed-in"; user: User }
  | { kind: "second-factor"; user: User }
  | { kind: "refused" }
  | { kind: "throttled" }
  | { kind: "disabled" };

const BY_ID = sql("authn.user.byId", `SELECT ${USER_COLUMNS} FROM app_user t WHERE t.id = $1`);
const PAGE = sqlTemplate<"where" | "orderBy" | "limit">(
  "authn.user.page",
  `SELECT ${USER_COLUMNS} FROM app_user t {{where}}
       ORDER BY {{orderBy}} LIMIT {{limit}}`,
);
const COUNT = sqlTemplate<"where">("authn.user.count", `SELECT count(*)::int AS n FROM app_user t {{where}}`);
const VISIBLE = sqlTemplate<"scope">(
  "authn.user.visible",
  `SELECT ${USER_COLUMNS} FROM app_user t WHERE t.id = $1{{scope}}`,
);
const BY_EMAIL_FOR_SIGN_IN = sql(
  "authn.user.byEmailForSignIn",
  `SELECT ${USER_COLUMNS}, t.password_hash AS "passwordHash" FROM app_user t
       WHERE t.email = $1`,
);
const SECOND_FACTOR = sql(
  "authn.user.secondFactor",
  `SELECT ${USER_COLUMNS}, t.totp_secret_sealed AS "sealed", t.totp_last_step AS "lastStep",
         t.recovery_code_digests AS "recovery" FROM app_user t WHERE t.id = $1`,
);
const USE_RECOVERY_CODE = sql(
  "authn.user.useRecoveryCode",
  `UPDATE app_user SET recovery_code_digests = array_remove(recovery_code_digests, $2)
         WHERE id = $1 AND $2 = ANY(recovery_code_digests)`,
);
const BEGIN_TOTP = sql(
  "authn.user.beginTotp",
  `UPDATE app_user SET totp_secret_sealed = $2, totp_last_step = NULL, updated_at = now() WHERE id = $1`,
);
const PENDING_TOTP = sql(
  "authn.user.pendingTotp",
  `SELECT totp_secret_sealed AS sealed, totp_enabled_at AS "enabledAt" FROM app_user WHERE id = $1`,
);
const CONFIRM_TOTP = sql(
  "authn.user.confirmTotp",
  `UPDATE app_user SET totp_enabled_at = now(), recovery_code_digests = $2, updated_at = now() WHERE id = $1`,
);
const USE_TOTP_STEP = sql(
  "authn.user.useTotpStep",
  `UPDATE app_user SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`,
);
const SIGNED_IN = sql("authn.user.signedIn", `UPDATE app_user SET last_login_at = now() WHERE id = $1`);
const EXISTS = sql("authn.user.exists", `SELECT 1 FROM app_user WHERE id = $1`);

/** People who sign in: admin lifecycle, password sign-in with brute-force protection, TOTP. */
export class UserService {
  readonly throttle: LoginThrottle;

  constructor(
    private readonly ds: DataSource,
    private readonly sealer: SecretBox | null,
    limits: ConstructorParameters<typeof LoginThrottle>[1],
    private readonly failures: FailureTallies = new FailureTallies(ds),
  ) {
    this.throttle = new LoginThrottle(ds, limits);
  }

  /** People holding a role where the caller holds user:read (people with none: installation-wide only). */
  async list(caller: Caller, filter: UserFilter | undefined, args: PageArgs): Promise<Connection<User>> {
    const page = pageRequest(args);
    const params: unknown[] = [];
    const where: string[] = [];
    const scoped = scopeCondition(accessOf(caller), Permission.UserRead, "app_user", "t", params);
    if (scoped) where.push(scoped);
    if (filter?.emailContains) {
      params.push(`%${filter.emailContains.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`);
      where.push(`t.email LIKE $${params.length}`);
    }
    if (filter?.disabled != null) {
      params.push(filter.disabled);
      where.push(`t.disabled = $${params.length}`);
    }
    const countWhere = [...where];
    const countParams = [...params];
    const ks = keysetSql(page, [textKey("t.display_name"), uuidKey("t.id")], "ASC", params);
    if (ks.where) where.push(ks.where);
    const rows = await this.ds.query(
      PAGE.fill({ where: whereClause(where), orderBy: ks.orderBy, limit: String(ks.limit) }),
      params,
    );
    return toConnection(
      rows.map(toUser),
      page,
      (u) => [u.displayName, u.uuid],
      async () => {
        const [r] = await this.ds.query(COUNT.fill({ where: whereClause(countWhere) }), countParams);
        return r?.n ?? 0;
      },
    );
  }

  /** The calling principal, with its roles. */
  async me(caller: Caller): Promise<Me> {
    if (!caller.principal) throw new DomainError("UNAUTHENTICATED", "sign in first");
    return whoAmI(this.ds, caller.principal);
  }

  /** The person, after a change the caller was allowed to make. */
  async byId(id: string): Promise<User | null> {
    const [row] = await this.ds.query(BY_ID, [id]);
    return row ? toUser(row) : null;
  }

  /** The person, if the caller may read them (as in list); null otherwise. */
  async visible(caller: Caller, id: string): Promise<User | null> {
    const params: unknown[] = [id];
    const scoped = scopeCondition(accessOf(caller), Permission.UserRead, "app_user", "t", params);
    const [row] = await this.ds.query(VISIBLE.fill({ scope: scoped ? ` AND ${scoped}` : "" }), params);
    return row ? toUser(row) : null;
  }

  /**
   * A new user; with `grant`, holding that role from the start (the same transaction). The caller needs
   * user:manage where the person will belong (authorizeNewPerson).
   */
  async create(caller: Caller, input: CreateUserValues, grant?: Omit<Grant, "subject">): Promise<string> {
    const email = v.email(input.email, "input.email").toLowerCase();
    const displayName = v.name(input.displayName, "input.displayName");
    const passwordHash =
      input.password != null ? await this.newPasswordHash(input.password, "input.password") : null;
    return inTransaction(this.ds, async (tx) => {
      await authorizeNewPerson(tx, caller, grant?.domain ?? null);
      const saved = await tx.save(tx.create(UserEntity, { email, displayName, passwordHash }));
      await recordEvent(tx, caller, {
        action: "create",
        targetKind: "user",
        targetId: saved.id,
        operatorId: null,
      });
      if (grant) await writeGrant(tx, caller, { ...grant, subject: `user:${saved.id}` });
      return saved.id;
    });
  }

  update(caller: Caller, globalId: string, input: { email?: string | null; displayName?: string | null }) {
    const id = expectGlobalId(globalId, "User", "id");
    const patch: Partial<UserEntity> = {};
    if (input.email != null) patch.email = v.email(input.email, "input.email").toLowerCase();
    if (input.displayName != null) patch.displayName = v.name(input.displayName, "input.displayName");
    return this.inUser(caller, Permission.UserManage, id, async (tx, before) => {
      const changes = changesBetween(before, patch);
      if (Object.keys(changes).length === 0) return id;
      await tx.update(UserEntity, { id }, patch);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "user",
        targetId: id,
        operatorId: null,
        changes,
      });
      return id;
    });
  }

  /** Sets a new password and signs the user out everywhere. */
  async setPassword(caller: Caller, globalId: string, password: string): Promise<string> {
    const id = expectGlobalId(globalId, "User", "id");
    const passwordHash = await this.newPasswordHash(password, "password");
    return this.inUser(caller, Permission.UserManage, id, async (tx) => {
      await tx.update(UserEntity, { id }, { passwordHash });
      await revokeAccountState(tx, id);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "user",
        targetId: id,
        operatorId: null,
        changes: { password: { before: "[changed]", after: "[changed]" } },
      });
      return id;
    });
  }

  /** A disabled user cannot sign in; their sessions and refresh tokens end at once. */
  setDisabled(caller: Caller, globalId: string, disabled: boolean): Promise<string> {
    const id = expectGlobalId(globalId, "User", "id");
    return this.inUser(caller, Permission.UserManage, id, async (tx, before) => {
      if (before.disabled === disabled) return id;
      await tx.update(UserEntity, { id }, { disabled });
      if (disabled) await revokeAccountState(tx, id);
      await recordEvent(tx, caller, {
        action: disabled ? "disable" : "enable",
        targetKind: "user",
        targetId: id,
        operatorId: null,
      });
      return id;
    });
  }

  delete(caller: Caller, globalId: string): Promise<string> {
    const id = expectGlobalId(globalId, "User", "id");
    return this.inUser(caller, Permission.UserManage, id, async (tx) => {
      await revokeAccountState(tx, id);
      await tx.delete(UserEntity, { id });
      await recordEvent(tx, caller, { action: "delete", targetKind: "user", targetId: id, operatorId: null });
      return id;
    });
  }

  /** Removes the second factor (a user who lost their device and their recovery codes). */
  resetTotp(caller: Caller, globalId: string): Promise<string> {
    const id = expectGlobalId(globalId, "User", "id");
    return this.inUser(caller, Permission.UserManage, id, async (tx) => {
      await this.clearTotp(tx, id);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "user",
        targetId: id,
        operatorId: null,
        changes: { totp: { before: "[changed]", after: "[removed]" } },
      });
      return id;
    });
  }

  async sessions(caller: Caller, userGlobalId: string): Promise<SessionRow[]> {
    const id = expectGlobalId(userGlobalId, "User", "userId");
    if (!(await this.visible(caller, id))) throw notFound("User", userGlobalId);
    return sessionsOf(this.ds, id);
  }

  /** Signs one session out, with the grants (and refresh tokens) it gave to applications. */
  async revokeSession(caller: Caller, sessionId: string): Promise<boolean> {
    return inTransaction(this.ds, async (tx) => {
      const accountId = await endSession(tx, sessionId);
      if (!accountId) return false;
      // Refused, the transaction rolls the ended session back.
      await authorizePersonChange(tx, caller, Permission.SessionRevoke, accountId);
      await recordEvent(tx, caller, {
        action: "revoke",
        targetKind: "session",
        targetId: accountId,
        operatorId: null,
        reason: "session revoked",
      });
      return true;
    });
  }

  /** Signs the user out everywhere: every session, grant and refresh token. */
  revokeSessions(caller: Caller, userGlobalId: string): Promise<string> {
    const id = expectGlobalId(userGlobalId, "User", "userId");
    return this.inUser(caller, Permission.SessionRevoke, id, async (tx) => {
      await revokeAccountState(tx, id);
      await recordEvent(tx, caller, {
        action: "revoke",
        targetKind: "session",
        targetId: id,
        operatorId: null,
        reason: "all sessions revoked",
      });
      return id;
    });
  }

  /**
   * Password sign-in. Counted by the throttle before the password is checked; a refused attempt is
   * worded the same whether the email exists or not.
   */
  async signIn(caller: Caller, email: string, password: string): Promise<SignInOutcome> {
    const ticket = await this.throttle.begin(email, caller.client.ip);
    const [row] = await this.ds.query(BY_EMAIL_FOR_SIGN_IN, [email.trim().toLowerCase()]);
    if (!ticket.allowed) {
      await this.loginEvent(caller, row?.id ?? null, "failure", "throttled");
      return { kind: "throttled" };
    }
    const { passwordHash, ...rest } = row ?? {};
    const ok = await verifyPassword(password, passwordHash ?? null);
    if (!ok || !row) {
      await this.loginEvent(caller, row?.id ?? null, "failure", "wrong credentials");
      return { kind: "refused" };
    }
    await this.throttle.succeeded(ticket);
    const user = toUser(rest);
    if (user.disabled) {
      await this.loginEvent(caller, user.uuid, "failure", "disabled");
      return { kind: "disabled" };
    }
    if (user.totpEnabled) return { kind: "second-factor", user };
    await this.signedIn(caller, user.uuid, "password");
    return { kind: "signed-in", user };
  }

  /** The second step: a TOTP code or a recovery code, throttled with the same counters as passwords. */
  async secondFactor(caller: Caller, userId: string, code: string): Promise<SignInOutcome> {
    const [row] = await this.ds.query(SECOND_FACTOR, [userId]);
    if (!row) return { kind: "refused" };
    const user = toUser(row);
    const ticket = await this.throttle.begin(user.email, caller.client.ip);
    if (!ticket.allowed) {
      await this.loginEvent(caller, userId, "failure", "throttled");
      return { kind: "throttled" };
    }
    if (user.disabled) return { kind: "disabled" };
    let ok = false;
    if (looksLikeRecoveryCode(code)) {
      const [, used]: [unknown, number] = await this.ds.query(USE_RECOVERY_CODE, [
        userId,
        recoveryCodeDigest(code),
      ]);
      ok = used === 1;
    } else if (row.sealed) {
      const secret = this.box().open(row.sealed, `totp:${userId}`).toString("utf8");
      const step = await totpStep(secret, code, row.lastStep === null ? null : Number(row.lastStep));
      ok = step !== null && (await this.useTotpStep(userId, step));
    }
    if (!ok) {
      await this.loginEvent(caller, userId, "failure", "wrong second factor");
      return { kind: "refused" };
    }
    await this.throttle.succeeded(ticket);
    await this.signedIn(caller, userId, "password+totp");
    return { kind: "signed-in", user };
  }

  /** Starts TOTP enrolment for the calling user: the secret to put in an authenticator app. */
  async beginTotp(caller: Caller): Promise<{ secret: string; uri: string }> {
    const user = await this.self(caller);
    if (user.totpEnabled) throw new DomainError("CONFLICT", "TOTP is enabled already; disable it first");
    const secret = newTotpSecret();
    await this.ds.query(BEGIN_TOTP, [user.uuid, this.box().seal(secret, `totp:${user.uuid}`)]);
    return { secret, uri: totpUri(secret, user.email) };
  }

  /** Confirms enrolment with a code from the app; returns the recovery codes, shown this once. */
  async confirmTotp(caller: Caller, code: string): Promise<string[]> {
    const user = await this.self(caller);
    const [row] = await this.ds.query(PENDING_TOTP, [user.uuid]);
    if (!row?.sealed || row.enabledAt)
      throw badInput("code", "no TOTP enrolment is pending; begin one first");
    const step = await totpStep(
      this.box().open(row.sealed, `totp:${user.uuid}`).toString("utf8"),
      code,
      null,
    );
    if (step === null || !(await this.useTotpStep(user.uuid, step)))
      throw badInput("code", "the code is not valid");
    const { codes, digests } = newRecoveryCodes();
    await inTransaction(this.ds, async (tx) => {
      await tx.query(CONFIRM_TOTP, [user.uuid, digests]);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "user",
        targetId: user.uuid,
        operatorId: null,
        changes: { totp: { before: "[none]", after: "[enabled]" } },
      });
    });
    return codes;
  }

  /** Turns the calling user's second factor off; needs a current code (or a recovery code). */
  async disableTotp(caller: Caller, code: string): Promise<void> {
    const user = await this.self(caller);
    if (!user.totpEnabled) throw badInput("code", "TOTP is not enabled");
    const outcome = await this.secondFactor(caller, user.uuid, code);
    if (outcome.kind !== "signed-in") throw badInput("code", "the code is not valid");
    await inTransaction(this.ds, async (tx) => {
      await this.clearTotp(tx, user.uuid);
      await recordEvent(tx, caller, {
        action: "update",
        targetKind: "user",
        targetId: user.uuid,
        operatorId: null,
        changes: { totp: { before: "[enabled]", after: "[removed]" } },
      });
    });
  }

  /** Accepts a TOTP step once: a code cannot be replayed, even by two parallel requests. */
  private async useTotpStep(userId: string, step: number): Promise<boolean> {
    const [, n]: [unknown, number] = await this.ds.query(USE_TOTP_STEP, [userId, step]);
    return n === 1;
  }

  private async clearTotp(tx: EntityManager, id: string): Promise<void> {
    await tx.update(
      UserEntity,
      { id },
      { totpSecretSealed: null, totpEnabledAt: null, totpLastStep: null, recoveryCodeDigests: [] },
    );
  }

  private box(): SecretBox {
    if (!this.sealer)
      throw new DomainError("INTERNAL_SERVER_ERROR", "TOTP needs the authentication encryption key");
    return this.sealer;
  }

  private async self(caller: Caller): Promise<User> {
    const p = caller.principal;
    if (!p || p.kind !== "user") throw new DomainError("FORBIDDEN", "only a signed-in person can do this");
    const user = await this.byId(p.id);
    if (!user) throw notFound("User");
    return user;
  }

  private async newPasswordHash(password: string, field: string): Promise<string> {
    const problem = passwordProblem(password);
    if (problem) throw badInput(field, `the password ${problem}`);
    return hashPassword(password);
  }

  private async signedIn(caller: Caller, userId: string, how: string): Promise<void> {
    await this.ds.query(SIGNED_IN, [userId]);
    await this.loginEvent(caller, userId, "success", how);
  }

  /** A failed attempt comes from someone not signed in: it is counted (failure-tally.ts), not written alone. */
  private async loginEvent(
    caller: Caller,
    userId: string | null,
    outcome: "success" | "failure",
    reason: string,
  ) {
    if (outcome === "failure") {
      await this.failures.record(caller, {
        action: "authenticate",
        targetKind: "user",
        targetId: userId,
        reason,
      });
      return;
    }
    await recordEvent(this.ds.manager, caller, {
      action: "authenticate",
      targetKind: "user",
      targetId: userId,
      operatorId: null,
      outcome,
      reason,
    });
  }

  /** Locks the person for a change, once the caller holds the permission wherever they hold a role. */
  private inUser<T>(
    caller: Caller,
    permission: Permission,
    id: string,
    work: (tx: EntityManager, before: UserEntity) => Promise<T>,
  ): Promise<T> {
    return inTransaction(this.ds, async (tx) => {
      const [exists] = await tx.query(EXISTS, [id]);
      if (!exists) throw notFound("User", toGlobalId("User", id));
      await authorizePersonChange(tx, caller, permission, id);
      const before = await tx.findOne(UserEntity, { where: { id }, lock: { mode: "pessimistic_write" } });
      if (!before) throw notFound("User", toGlobalId("User", id));
      return work(tx, before);
    });
  }
}
