import { nobleScrypt, SCRYPT_PARAMETERS, type ScryptParameters, toHex } from '@ldap-login/protocol';

export interface ScryptRequest {
  id: number;
  password: string;
  salt: string;
  params: ScryptParameters;
}

export type ScryptResponse =
  | { id: number; ok: true; hex: string }
  | { id: number; ok: false; message: string };

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
 * (tests, very old browsers), with the noble backend's yielding scrypt on the main thread. The
 * parameters come from a reply already checked by the protocol's schema (bounded cost).
 */
export function scryptHex(
  password: string,
  salt: string,
  params: ScryptParameters = SCRYPT_PARAMETERS,
): Promise<string> {
  const w = getWorker();
  if (!w) return nobleScrypt(password, salt, params).then(toHex);
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, password, salt, params } satisfies ScryptRequest);
  });
}
