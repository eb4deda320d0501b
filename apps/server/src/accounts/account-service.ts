/**
 * Accounts (SPEC §5): keyed by (directory domain, GUID), so a rename in the directory keeps the
 * account; username, e-mail and memberships follow the directory at every login. On the first login
 * the server creates the user's X25519 key pair and secret key, encrypted under the key derived from
 * the login password: this is the only place the server runs scrypt.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { type AuditEvent, recordAuditEvent } from '../audit.ts';
import { toHex } from '../crypto/hex.ts';
import { encryptWithKey, generateX25519KeyPair } from '../crypto/nacl.ts';
import { passwordDerivedKey } from '../crypto/password-key.ts';
import type { Database, SessionsTable, UsersTable } from '../db/schema.ts';
import type { DirectoryUser } from './directory-port.ts';
import { groupsFingerprint, replaceMemberships } from './groups.ts';

export type UserRow = Selectable<UsersTable>;

/** The keys as the client receives them: hex ciphertexts under the password-derived key. */
export interface EncryptedUserKeys {
  public_key: string;
  private_key: string;
  private_key_nonce: string;
  secret_key: string;
  secret_key_nonce: string;
  user_sauce: string;
}

/** `alice` in `example.com` is `alice@example.com`; lowercase, so it is one account name everywhere. */
export function canonicalUsername(user: Pick<DirectoryUser, 'username' | 'domain'>): string {
  const name = user.username.toLowerCase();
  const domain = user.domain.toLowerCase();
  return name.endsWith(`@${domain}`) ? name : `${name}@${domain}`;
}

/** Creates a fresh key pair and secret key, encrypted under the key derived from `password`. */
export async function createEncryptedUserKeys(password: string): Promise<EncryptedUserKeys> {
  const userSauce = randomBytes(32).toString('hex');
  const key = await passwordDerivedKey(password, userSauce);
  const keyPair = generateX25519KeyPair();
  const privateKey = encryptWithKey(toHex(keyPair.raw), key);
  const secretKey = encryptWithKey(randomBytes(32).toString('hex'), key);
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

export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

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
    const existing = await this.db
      .selectFrom('users')
      .selectAll()
      .where('ldap_domain', '=', directoryUser.domain)
      .where('guid', '=', directoryUser.guid)
      .executeTakeFirst();
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

  private async refresh(
    user: UserRow,
    directoryUser: DirectoryUser,
    sessionFor: (userId: string) => Selectable<SessionsTable>,
    auditFor?: (user: UserRow, created: boolean) => AuditEvent,
  ): Promise<UserRow> {
    const now = this.now();
    const fingerprint = groupsFingerprint(directoryUser.groups);
    const updated: UserRow = {
      ...user,
      username: canonicalUsername(directoryUser),
      email: directoryUser.email,
      user_dn: directoryUser.dn,
      groups_fingerprint: fingerprint,
      last_login: now,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({
          username: updated.username,
          email: updated.email,
          user_dn: updated.user_dn,
          groups_fingerprint: fingerprint,
          last_login: now,
        })
        .where('id', '=', user.id)
        .execute();
      if (fingerprint !== user.groups_fingerprint) {
        await replaceMemberships(trx, user.id, user.ldap_domain, directoryUser.groups, now);
      }
      await trx.insertInto('sessions').values(sessionFor(user.id)).execute();
      if (auditFor) await recordAuditEvent(trx, auditFor(updated, false));
    });
    return updated;
  }

  /** Stores keys the client re-encrypted under a new directory password (`PUT /user/update/`). */
  async replaceEncryptedKeys(userId: string, keys: Omit<EncryptedUserKeys, 'public_key'>): Promise<void> {
    await this.db.updateTable('users').set(keys).where('id', '=', userId).execute();
  }

  async groupsOf(userId: string): Promise<{ dn: string; name: string }[]> {
    return this.db
      .selectFrom('memberships')
      .innerJoin('ldap_groups', 'ldap_groups.id', 'memberships.group_id')
      .select(['ldap_groups.dn', 'ldap_groups.name'])
      .where('memberships.user_id', '=', userId)
      .orderBy('ldap_groups.name')
      .execute();
  }
}
