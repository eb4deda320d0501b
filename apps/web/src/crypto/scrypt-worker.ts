/// <reference lib="webworker" />
/**
 * Runs scrypt off the main thread: with N = 2^14 and r = 8 it takes long enough to freeze the page.
 */
import { nobleScrypt, toHex } from '@ldap-login/protocol';
import type { ScryptRequest, ScryptResponse } from './scrypt.ts';

self.onmessage = async (event: MessageEvent<ScryptRequest>) => {
  const { id, password, salt, params } = event.data;
  let reply: ScryptResponse;
  try {
    reply = { id, ok: true, hex: toHex(await nobleScrypt(password, salt, params)) };
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(reply);
};
