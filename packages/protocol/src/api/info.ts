/**
 * `GET /info/`: the server describes itself in a JSON string (`info`) signed with its Ed25519 key.
 * Clients check the signature, pin `verify_key`, and box their `login_info` to `public_key`.
 */
import { z } from 'zod';
import { serverSecretsModes } from '../vault/user.ts';
import { hexBytes } from './hex-string.ts';

/**
 * The Psono API generation this server speaks. Psono's clients refuse servers older than 4.0.14,
 * so the version reported is the protocol's, not a package's.
 */
export const PROTOCOL_VERSION = '4.0.14';

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
