/**
 * Psono's password-derived key (`encryptSecret` / `decryptSecret` in its client): the secretbox key
 * is SHA-256 over the hex string of scrypt(password, salt = hex SHA-512 of the user's sauce).
 *
 * Node's scrypt runs on the libuv thread pool, so the ~50 ms of hashing never blocks the event loop.
 * The server needs it only when it creates an account; clients derive it on every login.
 */
import { createHash, scrypt } from 'node:crypto';
import { fromHex, utf8 } from './hex.ts';

export const SCRYPT_PARAMETERS = { u: 14, r: 8, p: 1, l: 64 } as const;
export const HASHING_ALGORITHM = 'scrypt';

function scryptHex(password: string, salt: string): Promise<string> {
  const { u, r, p, l } = SCRYPT_PARAMETERS;
  return new Promise((resolve, reject) => {
    scrypt(utf8(password), utf8(salt), l, { N: 2 ** u, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key.toString('hex')),
    );
  });
}

export function sha512Hex(text: string): string {
  return createHash('sha512').update(text, 'utf8').digest('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The 32-byte secretbox key for a user's keys, from the login password and the user's sauce. */
export async function passwordDerivedKey(password: string, userSauce: string): Promise<Uint8Array> {
  if (userSauce.includes('@')) throw new TypeError('a user sauce never contains "@"');
  const stretched = await scryptHex(password, sha512Hex(userSauce));
  return fromHex(sha256Hex(stretched));
}
