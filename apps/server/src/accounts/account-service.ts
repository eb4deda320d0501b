/**
 * Accounts (SPEC §5): keyed by (directory domain, GUID), so a rename in the directory keeps the
 * account; username, e-mail and memberships follow the directory at every login. On the first login
 * the server creates the user's X25519 key pair and secret key, encrypted under the key derived from
 * the login password: this is the only place the server runs scrypt.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { passwordKey, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import type SQLite from 'better-sqlite3';
import type { Selectable } from 'kysely';
import { type AuditEvent, auditRow, recordAuditEvent } from '../audit.ts';
import { type Placeholders, PreparedQuery } from '../db/prepared-query.ts';
import type { AuditEventsTable, Database, SessionsTable, UsersTable } from '../db/schema.ts';
import { exclusively, sqliteHandleOf } from '../db/sqlite-direct.ts';
import { SESSION_COLUMNS } from '../sessions/session-store.ts';
import type { DirectoryUser } from './directory-port.ts';
import { groupsFingerprint, replaceMemberships } from './groups.ts';

export type UserRow = Selectable<UsersTable>;

/** The keys as the client receives them: hex ciphertexts under the password-derived key. */
export type EncryptedUserKeys = Pick<
  UsersTable,
  'public_key' | 'private_key' | 'private_key_nonce' | 'secret_key' | 'secret_key_nonce' | 'user_sauce'
>;

/** `alice` in `example.com` is `alice@example.com`; lowercase, so it is one account name everywhere. */
export function canonicalUsername(user: Pick<DirectoryUser, 'username' | 'domain'>): string {
  const name = user.username.toLowerCase();
  const domain = user.domain.toLowerCase();
  return name.endsWith(`@${domain}`) ? name : `${name}@${domain}`;
}

/** Creates a fresh key pair and secret key, encrypted under the key derived from `password`. */
export async function createEncryptedUserKeys(password: string): Promise<EncryptedUserKeys> {
  const userSauce = randomBytes(32).toString('hex');
  const key = await passwordKey(sodiumCrypto, password, userSauce);
  const keyPair = sodiumCrypto.generateX25519KeyPair();
  const privateKey = sodiumCrypto.secretboxSeal(toHex(keyPair.privateKey), key);
  const secretKey = sodiumCrypto.secretboxSeal(randomBytes(32).toString('hex'), key);
  key.fill(0);
  return {
    public_key: toHex(keyPair.publicKey),
    private_key: privateKey.text,
    private_key_nonce: privateKey.nonce,
    secret_key: secretKey.text,
    secret_key_nonce: secretKey.nonce,
    user_sauce: userSauce,
  };
}

export interface LoginOutcome {
  user: UserRow;
  created: boolean;
}

type AuditRow = Selectable<AuditEventsTable>;
type SessionRow = Selectable<SessionsTable>;

const AUDIT_COLUMNS = [
  'id',
  'at',
  'event',
  'outcome',
  'username',
  'user_id',
  'client_address',
  'reason',
  'details',
] as const satisfies readonly (keyof AuditRow)[];

/** `{column: placeholder}` for every column of a row type (a placeholder object has no own keys to spread). */
function rowOf<Row>(placeholders: Placeholders<Row>, columns: readonly (keyof Row)[]): Row {
  return Object.fromEntries(columns.map((column) => [column, placeholders[column]])) as Row;
}
type DirectoryFields = Pick<UserRow, 'username' | 'email' | 'user_dn' | 'groups_fingerprint'>;

export class AccountService {
  // A returning user's login runs these every time: compiled once (see prepared-query.ts).
  private readonly byDirectoryId: PreparedQuery<{ domain: string; guid: string }, UserRow>;
  private readonly touchLastLogin: PreparedQuery<{ id: string; now: number }, unknown>;
  private readonly updateFromDirectory: PreparedQuery<DirectoryFields & { id: string; now: number }, unknown>;
  private readonly insertSession: PreparedQuery<SessionRow, unknown>;
  private readonly insertAudit: PreparedQuery<AuditRow, unknown>;
  private readonly groupsOfUser: PreparedQuery<{ userId: string }, { dn: string; name: string }>;
  private readonly sqlite: SQLite.Database | undefined;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.sqlite = sqliteHandleOf(db);
    this.byDirectoryId = new PreparedQuery((p: Placeholders<{ domain: string; guid: string }>) =>
      db.selectFrom('users').selectAll().where('ldap_domain', '=', p.domain).where('guid', '=', p.guid),
    );
    this.touchLastLogin = new PreparedQuery((p: Placeholders<{ id: string; now: number }>) =>
      db.updateTable('users').set({ last_login: p.now }).where('id', '=', p.id),
    );
    this.updateFromDirectory = new PreparedQuery(
      (p: Placeholders<DirectoryFields & { id: string; now: number }>) =>
        db
          .updateTable('users')
          .set({
            username: p.username,
            email: p.email,
            user_dn: p.user_dn,
            groups_fingerprint: p.groups_fingerprint,
            last_login: p.now,
          })
          .where('id', '=', p.id),
    );
    this.insertSession = new PreparedQuery((p: Placeholders<SessionRow>) =>
      db.insertInto('sessions').values(rowOf(p, SESSION_COLUMNS)),
    );
    this.insertAudit = new PreparedQuery((p: Placeholders<AuditRow>) =>
      db.insertInto('audit_events').values(rowOf(p, AUDIT_COLUMNS)),
    );
    this.groupsOfUser = new PreparedQuery((p: Placeholders<{ userId: string }>) =>
      db
        .selectFrom('memberships')
        .innerJoin('ldap_groups', 'ldap_groups.id', 'memberships.group_id')
        .select(['ldap_groups.dn', 'ldap_groups.name'])
        .where('memberships.user_id', '=', p.userId)
        .orderBy('ldap_groups.name'),
    );
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Brings the account in step with the directory (creating it on the first login) and stores the
   * new session and the login's audit event in the same transaction, so a login is one commit.
   */
  async recordLogin(
    directoryUser: DirectoryUser,
    password: string,
    sessionFor: (userId: string) => Selectable<SessionsTable>,
    auditFor?: (user: UserRow, created: boolean) => AuditEvent,
  ): Promise<LoginOutcome> {
    const sqlite = this.sqlite;
    if (sqlite) {
      const user = await exclusively(this.db, () =>
        this.refreshOnSqlite(sqlite, directoryUser, sessionFor, auditFor),
      );
      if (user) return { user, created: false };
    }
    const {
      rows: [existing],
    } = await this.byDirectoryId.execute(this.db, { domain: directoryUser.domain, guid: directoryUser.guid });
    if (existing)
      return { user: await this.refresh(existing, directoryUser, sessionFor, auditFor), created: false };

    const keys = await createEncryptedUserKeys(password);
    const now = this.now();
    const candidate: UserRow = {
      id: randomUUID(),
      ldap_domain: directoryUser.domain,
      guid: directoryUser.guid,
      username: canonicalUsername(directoryUser),
      email: directoryUser.email,
      user_dn: directoryUser.dn,
      ...keys,
      groups_fingerprint: groupsFingerprint(directoryUser.groups),
      created_at: now,
      last_login: now,
    };
    const inserted = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('users')
        .values(candidate)
        .onConflict((conflict) => conflict.columns(['ldap_domain', 'guid']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) !== 1) return false;
      await replaceMemberships(trx, candidate.id, candidate.ldap_domain, directoryUser.groups, now);
      await trx.insertInto('sessions').values(sessionFor(candidate.id)).execute();
      if (auditFor) await recordAuditEvent(trx, auditFor(candidate, true));
      return true;
    });
    if (inserted) return { user: candidate, created: true };

    // Another request created the account between our read and our insert (two first logins at once).
    const winner = await this.db
      .selectFrom('users')
      .selectAll()
      .where('ldap_domain', '=', directoryUser.domain)
      .where('guid', '=', directoryUser.guid)
      .executeTakeFirstOrThrow();
    return { user: await this.refresh(winner, directoryUser, sessionFor, auditFor), created: false };
  }

  /** The account as the directory describes it now, and what that changes. */
  private planRefresh(user: UserRow, directoryUser: DirectoryUser) {
    const fingerprint = groupsFingerprint(directoryUser.groups);
    const updated: UserRow = {
      ...user,
      username: canonicalUsername(directoryUser),
      email: directoryUser.email,
      user_dn: directoryUser.dn,
      groups_fingerprint: fingerprint,
      last_login: this.now(),
    };
    const directoryChanged =
      updated.username !== user.username ||
      updated.email !== user.email ||
      updated.user_dn !== user.user_dn ||
      fingerprint !== user.groups_fingerprint;
    return { updated, directoryChanged, groupsChanged: fingerprint !== user.groups_fingerprint };
  }

  /** The users row's new columns: only `last_login` at most logins (see `refresh`). */
  private userUpdate(updated: UserRow) {
    return {
      id: updated.id,
      now: updated.last_login,
      username: updated.username,
      email: updated.email,
      user_dn: updated.user_dn,
      groups_fingerprint: updated.groups_fingerprint,
    };
  }

  /**
   * A returning user's login on SQLite (see sqlite-direct.ts): the same reads and writes as
   * `refresh`, in one synchronous transaction. Undefined, with nothing written, for a first login
   * or changed groups (memberships are rewritten on the Kysely path).
   */
  private refreshOnSqlite(
    sqlite: SQLite.Database,
    directoryUser: DirectoryUser,
    sessionFor: (userId: string) => Selectable<SessionsTable>,
    auditFor?: (user: UserRow, created: boolean) => AuditEvent,
  ): UserRow | undefined {
    const [existing] = this.byDirectoryId.runOnSqlite(sqlite, {
      domain: directoryUser.domain,
      guid: directoryUser.guid,
    }).rows;
    if (!existing) return undefined;
    const { updated, directoryChanged, groupsChanged } = this.planRefresh(existing, directoryUser);
    if (groupsChanged) return undefined;
    sqlite.transaction(() => {
      if (directoryChanged) this.updateFromDirectory.runOnSqlite(sqlite, this.userUpdate(updated));
      else this.touchLastLogin.runOnSqlite(sqlite, { id: updated.id, now: updated.last_login });
      this.insertSession.runOnSqlite(sqlite, sessionFor(updated.id));
      if (auditFor) this.insertAudit.runOnSqlite(sqlite, auditRow(auditFor(updated, false)));
    })();
    return updated;
  }

  private async refresh(
    user: UserRow,
    directoryUser: DirectoryUser,
    sessionFor: (userId: string) => Selectable<SessionsTable>,
    auditFor?: (user: UserRow, created: boolean) => AuditEvent,
  ): Promise<UserRow> {
    const { updated, directoryChanged, groupsChanged } = this.planRefresh(user, directoryUser);
    await this.db.transaction().execute(async (trx) => {
      // Only `last_login` changes at most logins: writing just that column leaves the username
      // index untouched (SQLite rewrites the index entries of every column in SET).
      if (directoryChanged) {
        await this.updateFromDirectory.execute(trx, this.userUpdate(updated));
      } else {
        await this.touchLastLogin.execute(trx, { id: user.id, now: updated.last_login });
      }
      if (groupsChanged) {
        await replaceMemberships(trx, user.id, user.ldap_domain, directoryUser.groups, updated.last_login);
      }
      await this.insertSession.execute(trx, sessionFor(user.id));
      if (auditFor) await this.insertAudit.execute(trx, auditRow(auditFor(updated, false)));
    });
    return updated;
  }

  /** Stores keys the client re-encrypted under a new directory password (`PUT /user/update/`). */
  async replaceEncryptedKeys(userId: string, keys: Omit<EncryptedUserKeys, 'public_key'>): Promise<void> {
    await this.db.updateTable('users').set(keys).where('id', '=', userId).execute();
  }

  async groupsOf(userId: string): Promise<{ dn: string; name: string }[]> {
    return (await this.groupsOfUser.execute(this.db, { userId })).rows;
  }
}
