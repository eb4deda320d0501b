/**
 * Psono's encryption of the vault: each datastore and each secret has its own random key (hex
 * text); the datastore's key is sealed under the user's secret key, each secret's key sits in its
 * item in the datastore tree, and `data` is a secretbox of JSON under the owning key.
 */
import { type CryptoBackend, DecryptionError, type Encrypted, fromHex, toHex } from '@ldap-login/protocol';
import type { DatastoreTree } from './tree.ts';

export type VaultCrypto = Pick<CryptoBackend, 'randomBytes' | 'secretboxSeal' | 'secretboxOpen'>;

/** Thrown when stored vault data does not open or is not what Psono writes. */
export class VaultFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultFormatError';
  }
}

/** A new random key in Psono's form: 32 bytes as hex text. */
export function newSecretKey(crypto: VaultCrypto): string {
  return toHex(crypto.randomBytes(32));
}

/** Psono's `generateUuid`: a random version-4 UUID. */
export function newId(): string {
  return globalThis.crypto.randomUUID();
}

export function sealKey(crypto: VaultCrypto, keyHex: string, wrappingKeyHex: string): Encrypted {
  return crypto.secretboxSeal(keyHex, fromHex(wrappingKeyHex));
}

export function openKey(crypto: VaultCrypto, sealed: Encrypted, wrappingKeyHex: string): string {
  const key = open(crypto, sealed, wrappingKeyHex, 'key');
  if (!/^[0-9a-f]{64}$/i.test(key)) throw new VaultFormatError('a stored key is not 32 bytes of hex');
  return key;
}

function open(crypto: VaultCrypto, sealed: Encrypted, keyHex: string, what: string): string {
  try {
    return crypto.secretboxOpen(sealed, fromHex(keyHex));
  } catch (error) {
    if (error instanceof DecryptionError) throw new VaultFormatError(`the ${what} does not decrypt`);
    throw error;
  }
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VaultFormatError(`the ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new VaultFormatError(`the ${what} is not an object`);
  return value as Record<string, unknown>;
}

/** `data: ""` is Psono's empty datastore. */
export function openTree(crypto: VaultCrypto, data: Encrypted, datastoreKey: string): DatastoreTree {
  if (data.text === '') return {};
  const tree = parseObject(open(crypto, data, datastoreKey, 'datastore'), 'datastore');
  for (const list of ['folders', 'items'] as const) {
    if (tree[list] !== undefined && !Array.isArray(tree[list]))
      throw new VaultFormatError(`the datastore's ${list} is not a list`);
  }
  return tree as DatastoreTree;
}

/**
 * Psono's client adds `datastore_id` to the tree it holds; it is not stored. Everything else is
 * sealed exactly as it stands.
 */
export function sealTree(crypto: VaultCrypto, tree: DatastoreTree, datastoreKey: string): Encrypted {
  const { datastore_id: _ignored, ...stored } = tree;
  return crypto.secretboxSeal(JSON.stringify(stored), fromHex(datastoreKey));
}

/** A share's sealed content as text (its JSON is read by the share codec). */
export function openShareContentText(crypto: VaultCrypto, data: Encrypted, shareKey: string): string {
  return open(crypto, data, shareKey, 'share');
}

/** A secret's fields (`website_password_url`, `note_notes`, ...), unknown ones included. */
export type SecretFields = Record<string, unknown>;

export function openSecret(crypto: VaultCrypto, data: Encrypted, secretKey: string): SecretFields {
  return parseObject(open(crypto, data, secretKey, 'entry'), 'entry');
}

export function sealSecret(crypto: VaultCrypto, fields: SecretFields, secretKey: string): Encrypted {
  return crypto.secretboxSeal(JSON.stringify(fields), fromHex(secretKey));
}
