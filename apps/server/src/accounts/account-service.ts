/**
 * Accounts (SPEC §5): keyed by (directory domain, GUID), so a rename in the directory keeps the
 * account; username, e-mail and memberships follow the directory at every login. On the first login
 * the server creates the user's X25519 key pair and secret key, encrypted under the key derived from
 * the login password: this is the only place the server runs scrypt.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { passwordKey, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import type { Selectable } from 'kysely';
import { type AuditEvent, recordAuditEvent } from '../audit.ts';
import type { Executor } from '../db/executor.ts';
import type { SessionsTable, UsersTable } from '../db/schema.ts';
import { defineStatement, type Placeholders } from '../db/statement.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import { reconcileForcedMemberships } from '../vault/forced-memberships.ts';
import type { DirectoryUser } from './directory-port.ts';
import { groupsFingerprint, groupsOf, replaceMemberships } from './groups.ts';

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

/** What a login stores beside the account, in the same transaction. */
export interface LoginRecord {
  session: (userId: string) => Selectable<SessionsTable>;
  audit?: (user: UserRow, created: boolean) => AuditEvent;
  /** Further writes of the login (the throttle's release), in its transaction. */
  alsoInTransaction?: (tx: Executor) => Promise<void>;
}

type DirectoryFields = Pick<UserRow, 'username' | 'email' | 'user_dn' | 'groups_fingerprint'>;

const userById = defineStatement((db, p: Placeholders<{ id: string }>) =>
  db.selectFrom('users').selectAll().where('id', '=', p.id),
);

const userByDirectoryId = defineStatement((db, p: Placeholders<{ domain: string; guid: string }>) =>
  db.selectFrom('users').selectAll().where('ldap_domain', '=', p.domain).where('guid', '=', p.guid),
);

/** Inserts the account unless another login created it first; changes 0 then. */
const insertUser = defineStatement((db, p: Placeholders<UserRow>) =>
  db
    .insertInto('users')
    .values({
      id: p.id,
      ldap_domain: p.ldap_domain,
      guid: p.guid,
      username: p.username,
      email: p.email,
      user_dn: p.user_dn,
      public_key: p.public_key,
      private_key: p.private_key,
      private_key_nonce: p.private_key_nonce,
      secret_key: p.secret_key,
      secret_key_nonce: p.secret_key_nonce,
      user_sauce: p.user_sauce,
      groups_fingerprint: p.groups_fingerprint,
      created_at: p.created_at,
      last_login: p.last_login,
    })
    .onConflict((conflict) => conflict.columns(['ldap_domain', 'guid']).doNothing()),
);

// Only `last_login` changes at most logins: writing just that column leaves the username index
// untouched (SQLite rewrites the index entries of every column in SET).
const touchLastLogin = defineStatement((db, p: Placeholders<{ id: string; now: number }>) =>
  db.updateTable('users').set({ last_login: p.now }).where('id', '=', p.id),
);

const updateFromDirectory = defineStatement(
  (db, p: Placeholders<DirectoryFields & { id: string; now: number }>) =>
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

const replaceKeys = defineStatement(
  (db, p: Placeholders<Omit<EncryptedUserKeys, 'public_key'> & { id: string }>) =>
    db
      .updateTable('users')
      .set({
        private_key: p.private_key,
        private_key_nonce: p.private_key_nonce,
        secret_key: p.secret_key,
        secret_key_nonce: p.secret_key_nonce,
        user_sauce: p.user_sauce,
      })
      .where('id', '=', p.id),
);

export class AccountService {
  constructor(
    private readonly executor: Executor,
    private readonly sessions: Pick<SessionStore, 'insert'>,
    private readonly now: () => number = Date.now,
  ) {}

  async findById(id: string): Promise<UserRow | undefined> {
    return (await this.executor.run(userById, { id })).rows[0];
  }

  /**
   * Brings the account in step with the directory (creating it on the first login) and stores the
   * new session, the login's audit event and `alsoInTransaction`'s writes in the same transaction,
   * so a login is one commit. A returning user's login is one read and one transaction.
   */
  async recordLogin(
    directoryUser: DirectoryUser,
    password: string,
    record: LoginRecord,
  ): Promise<LoginOutcome> {
    const existing = await this.findByDirectoryId(this.executor, directoryUser);
    if (existing) return { user: await this.refresh(existing, directoryUser, record), created: false };

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
    const outcome = await this.executor.transaction(async (tx): Promise<LoginOutcome> => {
      if ((await tx.run(insertUser, candidate)).changes === 1) {
        await replaceMemberships(tx, candidate.id, candidate.ldap_domain, directoryUser.groups, now);
        await reconcileForcedMemberships(tx, candidate.id, candidate.ldap_domain, directoryUser.groups, now);
        await this.storeLogin(tx, candidate, true, record);
        return { user: candidate, created: true };
      }
      // Another request created the account between our read and our insert (two first logins at
      // once); on PostgreSQL its row is visible now that the insert waited for its commit.
      const winner = await this.findByDirectoryId(tx, directoryUser);
      if (!winner) throw new Error('the account that won the race is not visible');
      return { user: await this.refresh(winner, directoryUser, record, tx), created: false };
    });
    return outcome;
  }

  private async findByDirectoryId(executor: Executor, user: DirectoryUser): Promise<UserRow | undefined> {
    return (await executor.run(userByDirectoryId, { domain: user.domain, guid: user.guid })).rows[0];
  }

  private async storeLogin(
    tx: Executor,
    user: UserRow,
    created: boolean,
    record: LoginRecord,
  ): Promise<void> {
    await this.sessions.insert(tx, record.session(user.id));
    if (record.audit) await recordAuditEvent(tx, record.audit(user, created));
    if (record.alsoInTransaction) await record.alsoInTransaction(tx);
  }

  /** A returning user's login: the account as the directory describes it now, the session, the audit row. */
  private async refresh(
    user: UserRow,
    directoryUser: DirectoryUser,
    record: LoginRecord,
    inTransaction?: Executor,
  ): Promise<UserRow> {
    const fingerprint = groupsFingerprint(directoryUser.groups);
    const updated: UserRow = {
      ...user,
      username: canonicalUsername(directoryUser),
      email: directoryUser.email,
      user_dn: directoryUser.dn,
      groups_fingerprint: fingerprint,
      last_login: this.now(),
    };
    const groupsChanged = fingerprint !== user.groups_fingerprint;
    const directoryChanged =
      groupsChanged ||
      updated.username !== user.username ||
      updated.email !== user.email ||
      updated.user_dn !== user.user_dn;
    const write = async (tx: Executor) => {
      if (directoryChanged) {
        await tx.run(updateFromDirectory, {
          id: updated.id,
          now: updated.last_login,
          username: updated.username,
          email: updated.email,
          user_dn: updated.user_dn,
          groups_fingerprint: updated.groups_fingerprint,
        });
      } else {
        await tx.run(touchLastLogin, { id: updated.id, now: updated.last_login });
      }
      if (groupsChanged) {
        await replaceMemberships(tx, user.id, user.ldap_domain, directoryUser.groups, updated.last_login);
      }
      // Every login, not only when the groups changed: a mapping may have been added or removed.
      await reconcileForcedMemberships(
        tx,
        user.id,
        user.ldap_domain,
        directoryUser.groups,
        updated.last_login,
      );
      await this.storeLogin(tx, updated, false, record);
    };
    await (inTransaction ? write(inTransaction) : this.executor.transaction(write));
    return updated;
  }

  /** Stores keys the client re-encrypted under a new directory password (`PUT /user/update/`). */
  async replaceEncryptedKeys(userId: string, keys: Omit<EncryptedUserKeys, 'public_key'>): Promise<void> {
    await this.executor.run(replaceKeys, { ...keys, id: userId });
  }

  async groupsOf(userId: string): Promise<{ dn: string; name: string }[]> {
    return groupsOf(this.executor, userId);
  }
}
