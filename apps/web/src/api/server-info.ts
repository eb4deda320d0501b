import {
  fromHex,
  nobleCrypto,
  type ServerInfo,
  serverInfoSchema,
  signedInfoSchema,
} from '@ldap-login/protocol';
import { ClientError } from './client-error.ts';
import { requestJson } from './http.ts';

/** What a server says about itself, after its signature has been checked. */
export interface VerifiedServerInfo {
  /** the server's X25519 public key: login_info is boxed to it */
  publicKey: string;
  /** the Ed25519 key that signed the info: what the client pins */
  verifyKey: string;
  version: string;
  authenticationMethods: string[];
  type: ServerInfo['type'];
}

/** Removes trailing slashes so `https://x/server` and `https://x/server/` pin the same key. */
export function normaliseServerUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * Fetches `GET <server>/info/` and verifies that the info string carries a valid Ed25519
 * signature by the key sent beside it. Whether that key is the *right* key is the trust store's
 * decision, not this function's.
 */
export async function fetchServerInfo(
  serverUrl: string,
  fetchImpl: typeof fetch = fetch,
): Promise<VerifiedServerInfo> {
  const body = await requestJson({ method: 'GET', url: `${normaliseServerUrl(serverUrl)}/info/` }, fetchImpl);
  const signed = signedInfoSchema.safeParse(body);
  if (!signed.success)
    throw new ClientError('MALFORMED_RESPONSE', { detail: `info: ${signed.error.message}` });

  const valid = nobleCrypto.verify(
    fromHex(signed.data.signature),
    signed.data.info,
    fromHex(signed.data.verify_key),
  );
  if (!valid) throw new ClientError('BAD_SIGNATURE', { detail: 'info signature does not verify' });

  let parsedInfo: unknown;
  try {
    parsedInfo = JSON.parse(signed.data.info);
  } catch {
    throw new ClientError('MALFORMED_RESPONSE', { detail: 'info is not JSON' });
  }
  const info = serverInfoSchema.safeParse(parsedInfo);
  if (!info.success) throw new ClientError('MALFORMED_RESPONSE', { detail: `info: ${info.error.message}` });

  return {
    publicKey: info.data.public_key.toLowerCase(),
    verifyKey: signed.data.verify_key.toLowerCase(),
    version: info.data.version,
    authenticationMethods: info.data.authentication_methods,
    type: info.data.type,
  };
}
