/**
 * Accounts (SPEC §5): keyed by (directory domain, GUID), so a rename in the directory keeps the
 * account; username, e-mail and memberships follow the directory at every login. On the first login
 * the server creates the user's X25519 key pair and secret key, encrypted under the key derived from
 * the login password: this is the only place the server runs scrypt.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { passwordKey, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { type Compilable, type Selectable, sql } from 'kysely';
import { type AuditEvent, recordAuditEvent } from '../audit.ts';
import type { Executor } from '../db/executor.ts';
import type { SessionsTable, UserLoginSecretsTable, UsersTable } from '../db/schema.ts';
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
  /** The account's row of login secrets as the login's transaction read it (none for a new account). */
  loginSecrets: { row: LoginSecretsRow | undefined };
}

/** An administrator blocked the account (`manage users block`): the login wrote nothing. */
export class AccountBlocked extends Error {
  override readonly name = 'AccountBlocked';
  constructor(readonly userId: string) {
    super('USER_BLOCKED');
  }
}

/** What a login stores beside the account, in the same transaction. */
export interface LoginRecord {
  session: (userId: string) => Selectable<SessionsTable>;
  audit?: (user: UserRow, created: boolean) => AuditEvent;
  /** Further writes of the login (the throttle's release), in its transaction. */
  alsoInTransaction?: (tx: Executor) => Promise<void>;
}

type DirectoryFields = Pick<UserRow, 'username' | 'email' | 'user_dn' | 'groups_fingerprint'>;

export type LoginSecretsRow = Selectable<UserLoginSecretsTable>;

/** What a login reads about an account that exists, in one statement (see `recordLogin`). */
export interface AccountAtLogin {
  user: UserRow;
  /** An administrator blocked the account (`manage users block`). */
  blocked: boolean;
  /** Its row of server secrets and verifiers, if it has one (see server-secrets.ts). */
  loginSecrets: LoginSecretsRow | undefined;
}

/** Columns of `user_login_secrets` but its key, read beside the account as `secrets_<column>`. */
const LOGIN_SECRETS_COLUMNS = [
  'server_secret',
  'server_secret_nonce',
  'password_mac',
  'authkey_mac',
  'updated_at',
] as const satisfies readonly Exclude<keyof LoginSecretsRow, 'user_id'>[];

type AccountAtLoginColumns = UserRow & {
  blocked: number;
  secrets_user_id: string | null;
} & { [K in (typeof LOGIN_SECRETS_COLUMNS)[number] as `secrets_${K}`]: LoginSecretsRow[K] };

const userById = defineStatement((db, p: Placeholders<{ id: string }>) =>
  db.selectFrom('users').selectAll().where('id', '=', p.id),
);

// Account, block and login secrets in one statement, in the login's transaction: every returning
// user's login reads all three.
const accountAtLogin = defineStatement(
  (db, p: Placeholders<{ domain: string; guid: string }>) =>
    db
      .selectFrom('users')
      .leftJoin('user_blocks', 'user_blocks.user_id', 'users.id')
      .leftJoin('user_login_secrets', 'user_login_secrets.user_id', 'users.id')
      .selectAll('users')
      .select(sql<number>`case when user_blocks.user_id is null then 0 else 1 end`.as('blocked'))
      .select('user_login_secrets.user_id as secrets_user_id')
      .select(
        LOGIN_SECRETS_COLUMNS.map((column) => `user_login_secrets.${column} as secrets_${column}` as const),
      )
      .where('users.ldap_domain', '=', p.domain)
      .where('users.guid', '=', p.guid) as never as Compilable<AccountAtLoginColumns>,
);

function splitAccountAtLogin(row: AccountAtLoginColumns): AccountAtLogin {
  const columns = row as unknown as Record<string, unknown>;
  const user: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(columns)) {
    if (column !== 'blocked' && !column.startsWith('secrets_')) user[column] = value;
  }
  let loginSecrets: LoginSecretsRow | undefined;
  if (row.secrets_user_id !== null) {
    const secrets: Record<string, unknown> = { user_id: row.secrets_user_id };
    for (const column of LOGIN_SECRETS_COLUMNS) secrets[column] = columns[`secrets_${column}`];
    loginSecrets = secrets as LoginSecretsRow;
  }
  return { user: user as UserRow, blocked: Number(row.blocked) === 1, loginSecrets };
}

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
   * so a login is one commit. A returning user's login is one transaction: the account (with its
   * block and its login secrets) is read in the transaction that writes the login, not in one of its
   * own (every transaction of its own costs SQLite a round of file-lock system calls). A blocked
   * account throws `AccountBlocked` and writes nothing. A first login reads nothing in that
   * transaction, derives the keys outside any transaction (scrypt) and inserts in a second one.
   */
  async recordLogin(
    directoryUser: DirectoryUser,
    password: string,
    record: LoginRecord,
  ): Promise<LoginOutcome> {
    const returning = await this.executor.transaction((tx) => this.returningLogin(tx, directoryUser, record));
    if (returning) return returning;

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
        return { user: candidate, created: true, loginSecrets: { row: undefined } };
      }
      // Another request created the account between our read and our insert (two first logins at
      // once); on PostgreSQL its row is visible now that the insert waited for its commit.
      // A block set between the two transactions wins, as at any login.
      const winner = await this.returningLogin(tx, directoryUser, record);
      if (winner === undefined) throw new Error('the account that won the race is not visible');
      return winner;
    });
    return outcome;
  }

  /**
   * A login of an account that exists, in `tx`: reads the account with its block and login secrets,
   * throws `AccountBlocked` (writing nothing) if an administrator blocked it, else brings it in step
   * with the directory and stores the login. `undefined` if there is no such account.
   */
  private async returningLogin(
    tx: Executor,
    directoryUser: DirectoryUser,
    record: LoginRecord,
  ): Promise<LoginOutcome | undefined> {
    const { rows } = await tx.run(accountAtLogin, {
      domain: directoryUser.domain,
      guid: directoryUser.guid,
    });
    if (rows[0] === undefined) return undefined;
    const account = splitAccountAtLogin(rows[0]);
    if (account.blocked) throw new AccountBlocked(account.user.id);
    const user = await this.refresh(account.user, directoryUser, record, tx);
    return { user, created: false, loginSecrets: { row: account.loginSecrets } };
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
    tx: Executor,
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
    await reconcileForcedMemberships(tx, user.id, user.ldap_domain, directoryUser.groups, updated.last_login);
    await this.storeLogin(tx, updated, false, record);
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
