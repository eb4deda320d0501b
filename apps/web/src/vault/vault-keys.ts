/**
 * The user's keys between the login and the vault. The opened keys live only in memory: the login
 * hands them to the vault in a map keyed by the session's token, never through storage.
 * What may be stored is the sealed copy (the same ciphertext the server keeps, openable only with
 * the password), so that a locked vault can be opened again with the password alone.
 */
import {
  type Encrypted,
  keyFromStretchedPassword,
  nobleCrypto,
  type ScryptParameters,
  toHex,
  userSauceSalt,
} from '@ldap-login/protocol';
import type { Session } from '../api/session-client.ts';
import { scryptHex } from '../crypto/scrypt.ts';
import { openKey } from './datastore-codec.ts';

export interface OpenedKeys {
  /** the user's symmetric key (hex): opens the datastores' keys */
  secretKey: string;
  /** the user's X25519 private key (hex) */
  privateKey: string;
}

/** The user's secret key sealed under the password key, and what derives that key. */
export interface SealedKeys {
  secretKey: Encrypted;
  /** the private key under the same password key (absent in copies stored by older versions) */
  privateKey?: Encrypted;
  userSauce: string;
  hashingParameters: ScryptParameters;
}

export interface HandedKeys {
  keys: OpenedKeys;
  sealed: SealedKeys;
}

const handedOver = new Map<string, HandedKeys>();

/** Called by the login for the session it opened. */
export function handOverKeys(session: Session, keys: HandedKeys): void {
  handedOver.set(session.token, keys);
}

/** The keys the login opened for this session, once: later calls get nothing. */
export function takeKeys(session: Session): HandedKeys | undefined {
  const keys = handedOver.get(session.token);
  handedOver.clear();
  return keys;
}

const SEALED_KEY = 'ldap-login:sealed-keys';

function stores(): Storage[] {
  try {
    return [globalThis.sessionStorage, globalThis.localStorage].filter(Boolean);
  } catch {
    return [];
  }
}

/** Keeps the sealed keys beside the session (the same store), for unlocking after a reload. */
export function storeSealedKeys(sealed: SealedKeys, persistent: boolean): void {
  forgetSealedKeys();
  try {
    (persistent ? globalThis.localStorage : globalThis.sessionStorage)?.setItem(
      SEALED_KEY,
      JSON.stringify(sealed),
    );
  } catch {
    // Without storage, a locked vault needs a new sign-in.
  }
}

export function readSealedKeys(): SealedKeys | undefined {
  for (const store of stores()) {
    const raw = store.getItem(SEALED_KEY);
    if (!raw) continue;
    try {
      const sealed = JSON.parse(raw) as SealedKeys;
      if (sealed.secretKey?.text && sealed.secretKey.nonce && sealed.userSauce && sealed.hashingParameters)
        return sealed;
    } catch {
      // dropped below
    }
    store.removeItem(SEALED_KEY);
  }
  return undefined;
}

export function forgetSealedKeys(): void {
  for (const store of stores()) store.removeItem(SEALED_KEY);
}

/**
 * Opens the user's keys with the password; a wrong password throws `VaultFormatError`. Without a
 * stored private key the vault opens, but offers and group jobs wait for a sign-in.
 */
export async function unlockWithPassword(sealed: SealedKeys, password: string): Promise<OpenedKeys> {
  const stretched = await scryptHex(password, userSauceSalt(sealed.userSauce), sealed.hashingParameters);
  const key = toHex(keyFromStretchedPassword(stretched));
  const secretKey = openKey(nobleCrypto, sealed.secretKey, key);
  return { secretKey, privateKey: sealed.privateKey ? openKey(nobleCrypto, sealed.privateKey, key) : '' };
}
