const FINGERPRINT_KEY = 'ldap-login:device-fingerprint';

/**
 * A random id for this browser, kept across visits, so the session list can tell devices apart.
 * Random rather than derived from browser traits: it identifies nothing outside this server.
 */
export function deviceFingerprint(): string {
  let store: Storage | undefined;
  try {
    store = globalThis.localStorage;
  } catch {
    store = undefined;
  }
  const existing = store?.getItem(FINGERPRINT_KEY);
  if (existing) return existing;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  store?.setItem(FINGERPRINT_KEY, id);
  return id;
}

/** "Firefox on Linux": what the session list shows for this browser. */
export function deviceDescription(userAgent: string = globalThis.navigator?.userAgent ?? ''): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /OPR\//.test(userAgent)
      ? 'Opera'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /Chrom(e|ium)\//.test(userAgent)
          ? 'Chrome'
          : /Safari\//.test(userAgent)
            ? 'Safari'
            : 'Browser';
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad|iPod/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(userAgent)
          ? 'macOS'
          : /Linux|X11/.test(userAgent)
            ? 'Linux'
            : 'unknown system';
  return `${browser} on ${os}`;
}
