/**
 * Psono's server secrets (`COMPLIANCE_SERVER_SECRETS`). In `auto` and `all` the server keeps a copy
 * of each user's opened keys, encrypted with a key derived from SECRET_KEY, and whenever the
 * directory accepts a password the keys stored for the client are encrypted under that password.
 * So after a directory password change every client opens the vault with the new password and no
 * prompt for the old one. The price: whoever holds the database and SECRET_KEY can open those
 * users' keys. In `noone` the server keeps no copy: the client asks for the previous password
 * after a change and re-encrypts (`PUT /user/update/`).
 *
 * Moving between modes loses nothing: the keys in `users` always open with a password the user
 * knows (the last one a login in `auto` saw, or the one the client re-encrypted under), and a copy
 * is dropped only after it has brought those keys up to the current password.
 *
 * The official client sends an authkey (scrypt of the password) with its login; its HMAC is kept
 * here as well, so `DELETE /datastore/` can check the authkey against the last password the
 * directory accepted, as Psono checks it against the user's own authkey.
 */

import type { Settings } from '@ldap-login/config-schema';
import { DecryptionError, fromHex, passwordKey, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import type { SecretKeyring } from '../crypto/secret-key.ts';
import { type Executor, executorFor } from '../db/executor.ts';
import type { Database } from '../db/schema.ts';
import { defineStatement, type Placeholders } from '../db/statement.ts';
import { sameHex } from '../sessions/session-store.ts';
import type { LoginSecretsRow, UserRow } from './account-service.ts';

export type ServerSecretsMode = Settings['COMPLIANCE_SERVER_SECRETS'];

/** The mode in force: `noone` without SECRET_KEY, since nothing could encrypt the copies. */
export function effectiveServerSecretsMode(settings: Settings): ServerSecretsMode {
  return settings.SECRET_KEY ? settings.COMPLIANCE_SERVER_SECRETS : 'noone';
}

// Every login reads the row: compiled once (see db/statement.ts).
const loginSecretsOfUser = defineStatement((db, p: Placeholders<{ userId: string }>) =>
  db.selectFrom('user_login_secrets').selectAll().where('user_id', '=', p.userId),
);

interface OpenedKeys {
  private_key: string;
  secret_key: string;
}

export class ServerSecrets {
  /** The mode in force: `noone` without SECRET_KEY, since nothing could encrypt the copies. */
  readonly mode: ServerSecretsMode;

  constructor(
    private readonly db: Database,
    configured: ServerSecretsMode,
    /** Keys from SECRET_KEY; undefined when it is not set. */
    private readonly secretKeyring: SecretKeyring | undefined,
    /** Keys for the verifiers: SECRET_KEY's, or another server secret when SECRET_KEY is unset. */
    private readonly macKeyring: SecretKeyring,
    private readonly now: () => number,
  ) {
    this.mode = secretKeyring ? configured : 'noone';
  }

  /** Whether LDAP users have a server-kept copy of their keys in the mode in force. */
  get keepsCopies(): boolean {
    return this.mode !== 'noone';
  }

  private async row(userId: string, executor = executorFor(this.db)): Promise<LoginSecretsRow | undefined> {
    return (await executor.run(loginSecretsOfUser, { userId })).rows[0];
  }

  /** Whether the user's keys have a server-kept copy (read in `tx` when given). */
  async exists(userId: string, tx?: Executor): Promise<boolean> {
    if (!this.keepsCopies) return false;
    return (await this.row(userId, tx))?.server_secret != null;
  }

  private seal(keys: OpenedKeys): { server_secret: string; server_secret_nonce: string } {
    const sealed = sodiumCrypto.secretboxSeal(
      JSON.stringify(keys),
      this.secretKeyring!.keyFor('server-secrets'),
    );
    return { server_secret: sealed.text, server_secret_nonce: sealed.nonce };
  }

  private open(row: LoginSecretsRow): OpenedKeys | undefined {
    if (!this.secretKeyring || row.server_secret === null || row.server_secret_nonce === null)
      return undefined;
    try {
      return JSON.parse(
        sodiumCrypto.secretboxOpen(
          { text: row.server_secret, nonce: row.server_secret_nonce },
          this.secretKeyring.keyFor('server-secrets'),
        ),
      ) as OpenedKeys;
    } catch (error) {
      // SECRET_KEY changed: the copy is useless but harmless; the keys in `users` still open.
      if (error instanceof DecryptionError) return undefined;
      throw error;
    }
  }

  /**
   * After the directory accepted `password`: keeps the verifiers and, with a copy, makes the
   * stored keys open with this password. Returns the account with the keys the client should get.
   * Costs one read at most logins (none when the caller read the row beside the account, `known`);
   * scrypt runs only when the password is new to the server.
   */
  async afterLogin(
    user: UserRow,
    password: string,
    authkey: string | null | undefined,
    known?: { row: LoginSecretsRow | undefined },
  ): Promise<UserRow> {
    const row = known ? known.row : await this.row(user.id);
    const passwordMac = this.macKeyring.mac('password-mac', user.id, user.user_sauce, password);
    const authkeyMac = authkey ? this.macKeyring.mac('authkey-mac', user.id, authkey.toLowerCase()) : null;
    const passwordSeen = row?.password_mac != null && sameHex(row.password_mac, passwordMac);
    const authkeyUnchanged =
      authkeyMac === null || (row?.authkey_mac != null && sameHex(row.authkey_mac, authkeyMac));
    // The copy is opened only for a password the server has not seen: most logins need no decryption.
    const copy = row && !passwordSeen ? this.open(row) : undefined;
    const dropCopy = !this.keepsCopies && this.secretKeyring !== undefined && row?.server_secret != null;
    // Without a copy to keep or to use, a password needs no work here (and is not remembered, so
    // that a later move to `auto` looks at it again).
    const passwordDone = passwordSeen || (copy === undefined && !this.keepsCopies);
    if (passwordDone && authkeyUnchanged && !dropCopy) return user;

    let account = user;
    const update: Partial<LoginSecretsRow> = {
      password_mac: this.keepsCopies ? passwordMac : null,
      updated_at: this.now(),
    };
    if (authkeyMac !== null) update.authkey_mac = authkeyMac;
    if (!passwordDone) {
      const key = await passwordKey(sodiumCrypto, password, user.user_sauce);
      try {
        let opened = copy;
        if (!opened) {
          try {
            opened = {
              private_key: sodiumCrypto.secretboxOpen(
                { text: user.private_key, nonce: user.private_key_nonce },
                key,
              ),
              secret_key: sodiumCrypto.secretboxOpen(
                { text: user.secret_key, nonce: user.secret_key_nonce },
                key,
              ),
            };
          } catch (error) {
            // Keys still under an earlier password and no copy: the client asks for that password.
            if (!(error instanceof DecryptionError)) throw error;
          }
          if (opened && this.keepsCopies) Object.assign(update, this.seal(opened));
        } else {
          const privateKey = sodiumCrypto.secretboxSeal(opened.private_key, key);
          const secretKey = sodiumCrypto.secretboxSeal(opened.secret_key, key);
          account = {
            ...user,
            private_key: privateKey.text,
            private_key_nonce: privateKey.nonce,
            secret_key: secretKey.text,
            secret_key_nonce: secretKey.nonce,
          };
        }
      } finally {
        key.fill(0);
      }
    }
    if (dropCopy) Object.assign(update, { server_secret: null, server_secret_nonce: null });

    await this.db.transaction().execute(async (trx) => {
      if (account !== user) {
        await trx
          .updateTable('users')
          .set({
            private_key: account.private_key,
            private_key_nonce: account.private_key_nonce,
            secret_key: account.secret_key,
            secret_key_nonce: account.secret_key_nonce,
          })
          .where('id', '=', user.id)
          .execute();
      }
      await this.upsert(trx, user.id, update);
    });
    return account;
  }

  private async upsert(trx: Database, userId: string, update: Partial<LoginSecretsRow>): Promise<void> {
    await trx
      .insertInto('user_login_secrets')
      .values({
        user_id: userId,
        server_secret: null,
        server_secret_nonce: null,
        password_mac: null,
        authkey_mac: null,
        updated_at: this.now(),
        ...update,
      })
      .onConflict((conflict) => conflict.column('user_id').doUpdateSet(update))
      .execute();
  }

  /**
   * The client re-encrypted the keys under a password (`PUT /user/update/`): the next login must
   * look at the keys again (to take a copy, or to re-encrypt them from one).
   */
  async keysReplaced(trx: Database, userId: string): Promise<void> {
    await trx
      .updateTable('user_login_secrets')
      .set({ password_mac: null, updated_at: this.now() })
      .where('user_id', '=', userId)
      .execute();
  }

  /**
   * `POST /server-secret/`: the official client hands over the keys it opened (its key-transfer
   * page). The private key must belong to the account's public key. The next login re-encrypts the
   * stored keys under the password it brings.
   */
  async storeFromClient(user: UserRow, keys: OpenedKeys): Promise<boolean> {
    if (!this.keepsCopies) return false;
    const publicKey = toHex(sodiumCrypto.x25519PublicKey(fromHex(keys.private_key)));
    if (publicKey !== user.public_key.toLowerCase()) return false;
    const opened = { private_key: keys.private_key.toLowerCase(), secret_key: keys.secret_key.toLowerCase() };
    await this.upsert(this.db, user.id, { ...this.seal(opened), password_mac: null, updated_at: this.now() });
    return true;
  }

  /** Whether `authkey` matches the one sent with the last password the directory accepted. */
  async authkeyMatches(userId: string, authkey: string): Promise<boolean> {
    const row = await this.row(userId);
    if (!row?.authkey_mac) return false;
    return sameHex(row.authkey_mac, this.macKeyring.mac('authkey-mac', userId, authkey.toLowerCase()));
  }
}
