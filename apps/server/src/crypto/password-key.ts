/**
 * Psono's password-derived key (`encryptSecret` / `decryptSecret` in its client): the secretbox key
 * is SHA-256 over the hex string of scrypt(password, salt = hex SHA-512 of the user's sauce).
 *
 * Node's scrypt runs on the libuv thread pool, so the ~50 ms of hashing never blocks the event loop.
 * The server needs it only when it creates an account; clients derive it on every login.
 *
 * At most `MAX_CONCURRENT_SCRYPT` derivations run at once: each takes 16 MiB (128 * N * r bytes),
 * so a burst of first logins holds a bounded amount of memory and leaves libuv's pool threads for
 * other work; further first logins wait their turn (a few tens of milliseconds each). glibc may still keep freed scrypt buffers in the process: the deployment sets
 * `MALLOC_MMAP_THRESHOLD_` against that (see the benchmark's README).
 */
import { createHash, scrypt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { fromHex, utf8 } from './hex.ts';

export const SCRYPT_PARAMETERS = { u: 14, r: 8, p: 1, l: 64 } as const;
export const HASHING_ALGORITHM = 'scrypt';

/** One derivation per core, at least two and at most libuv's default four threads. */
export const MAX_CONCURRENT_SCRYPT = Math.min(4, Math.max(2, availableParallelism()));

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `task` once fewer than `MAX_CONCURRENT_SCRYPT` derivations are in flight. */
async function withScryptSlot<T>(task: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_SCRYPT) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await task();
  } finally {
    // The slot passes straight to the next waiter, so `running` only drops when nobody waits.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

/** How many derivations run and wait right now (for tests and diagnostics). */
export function scryptLoad(): { running: number; waiting: number } {
  return { running, waiting: waiting.length };
}

function scryptHex(password: string, salt: string): Promise<string> {
  return withScryptSlot(() => scryptHexNow(password, salt));
}

function scryptHexNow(password: string, salt: string): Promise<string> {
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
