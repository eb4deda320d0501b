import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { ApiError } from './api-error.ts';
import { requestJson } from './http.ts';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`));

const signedInfoSchema = z.object({
  info: z.string(),
  signature: hex(64),
  verify_key: hex(32),
});

const infoSchema = z.looseObject({
  version: z.string(),
  api: z.number().optional(),
  public_key: hex(32),
  authentication_methods: z.array(z.string()).default([]),
  type: z.string().optional(),
  web_client: z.string().nullish(),
});

/** What a server says about itself, after its signature has been checked. */
export interface ServerInfo {
  /** the server's X25519 public key: login_info is boxed to it */
  publicKey: string;
  /** the Ed25519 key that signed the info: what the client pins */
  verifyKey: string;
  version: string;
  authenticationMethods: string[];
  type: string | undefined;
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
): Promise<ServerInfo> {
  const body = await requestJson({ method: 'GET', url: `${normaliseServerUrl(serverUrl)}/info/` }, fetchImpl);
  const signed = signedInfoSchema.safeParse(body);
  if (!signed.success) throw new ApiError('MALFORMED_RESPONSE', { detail: `info: ${signed.error.message}` });

  let valid = false;
  try {
    valid = ed25519.verify(
      hexToBytes(signed.data.signature),
      utf8ToBytes(signed.data.info),
      hexToBytes(signed.data.verify_key),
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new ApiError('BAD_SIGNATURE', { detail: 'info signature does not verify' });

  let parsedInfo: unknown;
  try {
    parsedInfo = JSON.parse(signed.data.info);
  } catch {
    throw new ApiError('MALFORMED_RESPONSE', { detail: 'info is not JSON' });
  }
  const info = infoSchema.safeParse(parsedInfo);
  if (!info.success) throw new ApiError('MALFORMED_RESPONSE', { detail: `info: ${info.error.message}` });

  return {
    publicKey: info.data.public_key.toLowerCase(),
    verifyKey: signed.data.verify_key.toLowerCase(),
    version: info.data.version,
    authenticationMethods: info.data.authentication_methods,
    type: info.data.type,
  };
}

/** The verify key as the user compares it: hex in groups of four. */
export function formatFingerprint(verifyKey: string): string {
  return (verifyKey.toLowerCase().match(/.{1,4}/g) ?? []).join(' ');
}
