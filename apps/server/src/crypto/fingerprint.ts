import { formatFingerprint } from '@ldap-login/protocol';

/**
 * The server's fingerprint: its Ed25519 verify key (`/info/`'s `verify_key`) as users compare it
 * when a client first meets the server, hex in groups of four (the protocol's `formatFingerprint`,
 * which the web client shows too). An administrator publishes it, or pins the key in `config.json`
 * (`backend_servers[].verify_key`) so that the client does not ask at all.
 */

/** The `config.json` line that pins the key (inside a `backend_servers` entry). */
export function verifyKeyConfigLine(verifyKey: string): string {
  return `"verify_key": "${verifyKey.toLowerCase()}"`;
}

/** What `generate-keys`, `fingerprint` and the startup log show about the server's identity. */
export function serverIdentity(verifyKey: string) {
  return {
    fingerprint: formatFingerprint(verifyKey),
    verify_key: verifyKey.toLowerCase(),
    config_json: verifyKeyConfigLine(verifyKey),
  };
}
