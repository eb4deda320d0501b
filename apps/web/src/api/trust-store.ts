import { normaliseServerUrl } from './server-info.ts';

/**
 * What this browser remembers about servers: the pinned signing key, and whether the user agreed
 * that their password may be sent to the server (needed for directory logins).
 */
export type IdentityVerdict =
  | { status: 'trusted' }
  | { status: 'new' }
  | { status: 'changed'; pinned: string };

const PREFIX = 'ldap-login:';
const keyFor = (kind: string, serverUrl: string) => `${PREFIX}${kind}:${normaliseServerUrl(serverUrl)}`;

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    // Storage can be disabled by browser policy; the client then asks every time.
    return undefined;
  }
}

export function pinnedVerifyKey(serverUrl: string): string | undefined {
  return storage()?.getItem(keyFor('verify-key', serverUrl)) ?? undefined;
}

export function pinVerifyKey(serverUrl: string, verifyKey: string): void {
  storage()?.setItem(keyFor('verify-key', serverUrl), verifyKey.toLowerCase());
}

/**
 * Compares the key a server presents with the one pinned by the administrator (config.json)
 * or, failing that, by this browser. An administrator's pin is authoritative: a server that
 * does not match it is blocked even if the browser had accepted it before.
 */
export function judgeIdentity(
  serverUrl: string,
  verifyKey: string,
  configuredKey?: string | null,
): IdentityVerdict {
  const presented = verifyKey.toLowerCase();
  if (configuredKey) {
    return configuredKey.toLowerCase() === presented
      ? { status: 'trusted' }
      : { status: 'changed', pinned: configuredKey.toLowerCase() };
  }
  const pinned = pinnedVerifyKey(serverUrl);
  if (!pinned) return { status: 'new' };
  return pinned === presented ? { status: 'trusted' } : { status: 'changed', pinned };
}

export function plainPasswordApproved(serverUrl: string): boolean {
  return storage()?.getItem(keyFor('plain-password', serverUrl)) === 'approved';
}

export function rememberPlainPasswordApproval(serverUrl: string): void {
  storage()?.setItem(keyFor('plain-password', serverUrl), 'approved');
}
