import { scryptAsync } from '@noble/hashes/scrypt.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { DEFAULT_SCRYPT, type ScryptParameters } from './psono-keys.ts';

export interface ScryptRequest {
  id: number;
  password: string;
  salt: string;
  params: ScryptParameters;
}

export type ScryptResponse =
  | { id: number; ok: true; hex: string }
  | { id: number; ok: false; message: string };

/** Largest cost accepted from a server: anything above would hang or exhaust a phone. */
const MAX_LOG_N = 20;

export class ScryptParameterError extends Error {
  readonly code = 'SCRYPT_PARAMETERS_REJECTED';
  constructor(detail: string) {
    super(`unacceptable scrypt parameters: ${detail}`);
    this.name = 'ScryptParameterError';
  }
}

export function checkScryptParameters(params: ScryptParameters): ScryptParameters {
  const ints = [params.u, params.r, params.p, params.l];
  if (!ints.every((n) => Number.isInteger(n) && n > 0))
    throw new ScryptParameterError('not positive integers');
  if (params.u > MAX_LOG_N || params.r > 32 || params.p > 16 || params.l > 128 || params.l < 32) {
    throw new ScryptParameterError(`u=${params.u} r=${params.r} p=${params.p} l=${params.l}`);
  }
  return params;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (hex: string) => void; reject: (e: Error) => void }>();

function getWorker(): Worker | undefined {
  if (typeof Worker === 'undefined') return undefined;
  if (!worker) {
    try {
      worker = new Worker(new URL('./scrypt-worker.ts', import.meta.url), { type: 'module' });
    } catch {
      return undefined;
    }
    worker.onmessage = (event: MessageEvent<ScryptResponse>) => {
      const job = pending.get(event.data.id);
      if (!job) return;
      pending.delete(event.data.id);
      if (event.data.ok) job.resolve(event.data.hex);
      else job.reject(new Error(event.data.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      for (const job of pending.values()) job.reject(new Error('scrypt worker failed'));
      pending.clear();
      worker?.terminate();
      worker = undefined;
    };
  }
  return worker;
}

/**
 * hex(scrypt(password, salt)) computed in a Web Worker, or, where workers are unavailable
 * (tests, very old browsers), with noble's yielding async variant on the main thread.
 */
export function scryptHex(
  password: string,
  salt: string,
  params: ScryptParameters = DEFAULT_SCRYPT,
): Promise<string> {
  checkScryptParameters(params);
  const w = getWorker();
  if (!w) {
    return scryptAsync(password, salt, { N: 2 ** params.u, r: params.r, p: params.p, dkLen: params.l }).then(
      bytesToHex,
    );
  }
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, password, salt, params } satisfies ScryptRequest);
  });
}
