/**
 * `GET /info/`: the server describes itself in a JSON string (`info`) signed with its Ed25519 key.
 * Clients check the signature, pin `verify_key`, and box their `login_info` to `public_key`.
 */
import { z } from 'zod';
import { serverSecretsModes } from '../vault/user.ts';
import { hexBytes } from './hex-string.ts';

/**
 * The Psono server version announced in `/info/` (`"5.3.2 (Build <revision>)"`), not this product's
 * own version. Psono's clients compare it to switch features on, so it says which Psono behaviour
 * this server provides:
 * - >= 4.0.14 (type CE) and >= 4.0.24 (type EE): the oldest servers the official client accepts;
 * - >= 5.3.2 with type EE: the client runs its job scheduler (group keys for directory-made
 *   memberships), which the team vaults rely on;
 * - < 5.4.0: the client offers file attachments from 5.4.0 on, which this server does not store.
 */
export const PROTOCOL_VERSION = '5.3.2';

/** The reply: `info` is the signed JSON text of a `ServerInfo`. */
export const signedInfoSchema = z.object({
  info: z.string(),
  /** hex detached Ed25519 signature of the UTF-8 bytes of `info` */
  signature: hexBytes(64),
  /** hex Ed25519 public key */
  verify_key: hexBytes(32),
});

export type SignedInfo = z.infer<typeof signedInfoSchema>;

export const serverInfoSchema = z.object({
  /** `"X.Y.Z (Build <id>)"`; Psono's clients need X.Y.Z >= 4.0.14 */
  version: z.string(),
  api: z.number().int(),
  type: z.enum(['CE', 'EE']),
  /** hex X25519 key that `login_info` is boxed to */
  public_key: hexBytes(32),
  authentication_methods: z.array(z.string()),
  web_client: z.string(),
  log_audit: z.boolean(),
  management: z.boolean(),
  allow_registration: z.boolean(),
  allow_lost_password: z.boolean(),
  multifactor_enabled: z.boolean(),
  ldap_domains: z.array(z.string()),
  /** who has a server-kept copy of their keys (`COMPLIANCE_SERVER_SECRETS`, SPEC 11) */
  compliance_server_secrets: z.enum(serverSecretsModes),
});

export type ServerInfo = z.infer<typeof serverInfoSchema>;

/**
 * The server's fingerprint as people compare it: the verify key (Ed25519, hex) in groups of four.
 * The web client shows it when it first meets a server; `manage fingerprint` prints it for the
 * administrator to publish.
 *
 * @example
 * formatFingerprint('0123456789ABCDEF'); // '0123 4567 89ab cdef'
 */
export function formatFingerprint(verifyKey: string): string {
  return (verifyKey.toLowerCase().match(/.{1,4}/g) ?? []).join(' ');
}
