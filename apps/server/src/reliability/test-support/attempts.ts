/** Logins as measured outcomes (status, code, time) instead of exceptions, for the load tests. */
import { ApiError } from '@ldap-login/protocol';
import type { ProtocolClient } from '../../test-support/protocol-client.ts';

export interface Attempt {
  /** 200 for a complete login (reply decrypted, token activated). */
  status: number;
  code?: string | undefined;
  retryAfterSeconds?: number | undefined;
  started: number;
  ms: number;
}

/** One full login; a refusal comes back as its status and code, anything else is rethrown. */
export async function attemptLogin(
  client: ProtocolClient,
  username: string,
  password: string,
  options: Parameters<ProtocolClient['login']>[2] = {},
): Promise<Attempt> {
  const started = performance.now();
  try {
    await client.login(username, password, options);
    return { status: 200, started, ms: performance.now() - started };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return {
      status: error.status,
      code: error.code,
      retryAfterSeconds: error.retryAfterSeconds,
      started,
      ms: performance.now() - started,
    };
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
