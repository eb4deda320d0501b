import { z } from 'zod';
import {
  boxDecrypt,
  boxEncrypt,
  DecryptionError,
  generateKeyPair,
  secretboxEncrypt,
} from '../crypto/nacl.ts';
import {
  decryptWithPasswordKey,
  encryptWithPasswordKey,
  type ScryptParameters,
  userSauceSalt,
} from '../crypto/psono-keys.ts';
import { checkScryptParameters, ScryptParameterError, scryptHex } from '../crypto/scrypt.ts';
import { ApiError } from './api-error.ts';
import { deviceDescription, deviceFingerprint } from './device.ts';
import { requestJson } from './http.ts';
import { fetchServerInfo, formatFingerprint, normaliseServerUrl, type ServerInfo } from './server-info.ts';
import { type Session, sessionRequest } from './session-client.ts';
import {
  judgeIdentity,
  pinVerifyKey,
  plainPasswordApproved,
  rememberPlainPasswordApproval,
} from './trust-store.ts';

export interface LoginServer {
  url: string;
  /** appended to usernames typed without `@` */
  domain: string;
  /** verify key pinned by the administrator in config.json */
  verifyKey?: string | null;
  autoapprovePlainPassword?: boolean;
}

export interface LoginRequest {
  server: LoginServer;
  username: string;
  password: string;
  /** requested session length in seconds */
  sessionDuration: number;
}

export type LoginStep = 'identity' | 'sending' | 'unlocking' | 'activating' | 'updating';

/** The decisions a login needs from the user, asked for while it runs. */
export interface LoginPrompts {
  /** a server seen for the first time: may its key be trusted? */
  approveNewServer(request: { serverUrl: string; fingerprint: string }): Promise<boolean>;
  /** may the password be sent to this server (it checks it against the directory)? */
  approvePlainPassword(request: { serverUrl: string }): Promise<boolean>;
  /** the keys no longer open with the current password: the previous one, or null to give up */
  askPreviousPassword(request: { attempt: number }): Promise<string | null>;
  onStep?(step: LoginStep): void;
}

export interface LoginResult {
  session: Session;
  /** true when the keys were re-encrypted under a new directory password during this login */
  keysReencrypted: boolean;
}

const hexString = z.string().regex(/^[0-9a-fA-F]*$/);

const loginDataSchema = z.looseObject({
  token: z.string().min(1),
  session_valid_till: z.string(),
  session_public_key: hexString,
  session_secret_key: hexString,
  session_secret_key_nonce: hexString,
  user_validator: hexString,
  user_validator_nonce: hexString,
  required_multifactors: z.array(z.string()).default([]),
  user: z.looseObject({
    username: z.string(),
    private_key: hexString,
    private_key_nonce: hexString,
    user_sauce: z.string(),
    hashing_algorithm: z.string().default('scrypt'),
    hashing_parameters: z.object({ u: z.number(), r: z.number(), p: z.number(), l: z.number() }),
  }),
});

const encryptedReplySchema = z.object({ login_info: hexString, login_info_nonce: hexString });

const activateReplySchema = z.object({
  user: z.looseObject({ secret_key: hexString, secret_key_nonce: hexString }),
});

/** `alice` becomes `alice@example.com`; a name that already names its domain stays as typed. */
export function qualifyUsername(typed: string, domain: string): string {
  const name = typed.trim();
  if (name.includes('@') || !domain) return name;
  return `${name}@${domain}`;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ApiError('MALFORMED_RESPONSE', { detail: `${what}: ${result.error.message}` });
  return result.data;
}

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('MALFORMED_RESPONSE', { detail: `${what} is not JSON` });
  }
}

function openBox(what: string, open: () => string): string {
  try {
    return open();
  } catch (error) {
    if (error instanceof DecryptionError)
      throw new ApiError('MALFORMED_RESPONSE', { detail: `${what} does not decrypt` });
    throw error;
  }
}

/** Checks the server's identity against the pins, asking the user about a server never seen before. */
async function establishIdentity(
  server: LoginServer,
  prompts: LoginPrompts,
  fetchImpl: typeof fetch,
): Promise<ServerInfo> {
  const info = await fetchServerInfo(server.url, fetchImpl);
  const verdict = judgeIdentity(server.url, info.verifyKey, server.verifyKey);
  if (verdict.status === 'changed') {
    throw new ApiError('IDENTITY_CHANGED', {
      detail: `pinned ${verdict.pinned}, presented ${info.verifyKey}`,
    });
  }
  if (verdict.status === 'new') {
    const approved = await prompts.approveNewServer({
      serverUrl: normaliseServerUrl(server.url),
      fingerprint: formatFingerprint(info.verifyKey),
    });
    if (!approved) throw new ApiError('IDENTITY_DECLINED');
    pinVerifyKey(server.url, info.verifyKey);
  }
  return info;
}

/**
 * A directory login only works if the password itself reaches the server, so it is sent only
 * with the user's consent (remembered per server) or the administrator's `autoapprove_plain_password`.
 */
async function consentToSendPassword(server: LoginServer, prompts: LoginPrompts): Promise<void> {
  if (server.autoapprovePlainPassword || plainPasswordApproved(server.url)) return;
  const approved = await prompts.approvePlainPassword({ serverUrl: normaliseServerUrl(server.url) });
  if (!approved) throw new ApiError('PLAIN_PASSWORD_DECLINED');
  rememberPlainPasswordApproval(server.url);
}

async function passwordKey(password: string, userSauce: string, params: ScryptParameters): Promise<string> {
  return scryptHex(password, userSauceSalt(userSauce), params);
}

async function tryOpenPrivateKey(
  encrypted: { text: string; nonce: string },
  stretched: string,
): Promise<string | undefined> {
  try {
    return decryptWithPasswordKey(encrypted, stretched);
  } catch (error) {
    if (error instanceof DecryptionError) return undefined;
    throw error;
  }
}

/**
 * The whole directory login, following the server's wire protocol: identity, consent, the boxed
 * login_info, opening the private key in the browser, activating the token, and re-encrypting the
 * keys when the directory password has changed since they were last encrypted.
 */
export async function login(
  request: LoginRequest,
  prompts: LoginPrompts,
  fetchImpl: typeof fetch = fetch,
): Promise<LoginResult> {
  const serverUrl = normaliseServerUrl(request.server.url);
  prompts.onStep?.('identity');
  const info = await establishIdentity(request.server, prompts, fetchImpl);
  if (!info.authenticationMethods.includes('LDAP')) {
    throw new ApiError('LDAP_NOT_OFFERED', { detail: info.authenticationMethods.join(',') });
  }
  await consentToSendPassword(request.server, prompts);

  prompts.onStep?.('sending');
  const username = qualifyUsername(request.username, request.server.domain);
  const fingerprint = deviceFingerprint();
  const sessionKeys = generateKeyPair();
  // No authkey: the server checks the password against the directory and ignores it, and
  // computing it would cost a full scrypt run before anything is sent.
  const loginInfo = boxEncrypt(
    JSON.stringify({
      username,
      password: request.password,
      device_fingerprint: fingerprint,
      device_description: deviceDescription(),
      device_time: new Date().toISOString(),
    }),
    info.publicKey,
    sessionKeys.privateKey,
  );
  const reply = parse(
    encryptedReplySchema,
    await requestJson(
      {
        method: 'POST',
        url: `${serverUrl}/authentication/login/`,
        body: {
          login_info: loginInfo.text,
          login_info_nonce: loginInfo.nonce,
          public_key: sessionKeys.publicKey,
          session_duration: request.sessionDuration,
        },
      },
      fetchImpl,
    ),
    'login reply',
  );
  const data = parse(
    loginDataSchema,
    parseJson(
      'login reply',
      openBox('login reply', () =>
        boxDecrypt(
          { text: reply.login_info, nonce: reply.login_info_nonce },
          info.publicKey,
          sessionKeys.privateKey,
        ),
      ),
    ),
    'login data',
  );
  if (data.required_multifactors.length > 0) {
    throw new ApiError('SERVER_ERROR', {
      detail: `unsupported second factors: ${data.required_multifactors.join(',')}`,
    });
  }
  if (data.user.hashing_algorithm !== 'scrypt') {
    throw new ApiError('MALFORMED_RESPONSE', { detail: `hashing algorithm ${data.user.hashing_algorithm}` });
  }
  let params: ScryptParameters;
  try {
    params = checkScryptParameters(data.user.hashing_parameters);
  } catch (error) {
    if (error instanceof ScryptParameterError)
      throw new ApiError('MALFORMED_RESPONSE', { detail: error.message });
    throw error;
  }

  const sessionSecret = openBox('session secret', () =>
    boxDecrypt(
      { text: data.session_secret_key, nonce: data.session_secret_key_nonce },
      data.session_public_key,
      sessionKeys.privateKey,
    ),
  );
  const session: Session = {
    serverUrl,
    token: data.token,
    sessionSecret,
    deviceFingerprint: fingerprint,
    username: data.user.username,
    validTill: data.session_valid_till,
  };

  prompts.onStep?.('unlocking');
  const encryptedPrivateKey = { text: data.user.private_key, nonce: data.user.private_key_nonce };
  const currentKey = await passwordKey(request.password, data.user.user_sauce, params);
  let privateKey = await tryOpenPrivateKey(encryptedPrivateKey, currentKey);
  let previousKey: string | undefined;
  for (let attempt = 1; privateKey === undefined; attempt++) {
    const previous = await prompts.askPreviousPassword({ attempt });
    if (previous === null) throw new ApiError('KEYS_LOCKED', { detail: 'previous password not given' });
    previousKey = await passwordKey(previous, data.user.user_sauce, params);
    privateKey = await tryOpenPrivateKey(encryptedPrivateKey, previousKey);
  }

  prompts.onStep?.('activating');
  const validator = openBox('user validator', () =>
    boxDecrypt(
      { text: data.user_validator, nonce: data.user_validator_nonce },
      data.session_public_key,
      privateKey,
    ),
  );
  const verification = secretboxEncrypt(validator, sessionSecret);
  const activated = parse(
    activateReplySchema,
    await sessionRequest(
      session,
      'POST',
      '/authentication/activate-token/',
      {
        verification: verification.text,
        verification_nonce: verification.nonce,
        zoneinfo: Intl.DateTimeFormat().resolvedOptions().timeZone,
      },
      fetchImpl,
    ),
    'activate-token reply',
  );

  if (previousKey === undefined) return { session, keysReencrypted: false };

  prompts.onStep?.('updating');
  const secretKey = openBox('secret key', () =>
    decryptWithPasswordKey(
      { text: activated.user.secret_key, nonce: activated.user.secret_key_nonce },
      previousKey,
    ),
  );
  const newPrivate = encryptWithPasswordKey(privateKey, currentKey);
  const newSecret = encryptWithPasswordKey(secretKey, currentKey);
  await sessionRequest(
    session,
    'PUT',
    '/user/update/',
    {
      private_key: newPrivate.text,
      private_key_nonce: newPrivate.nonce,
      secret_key: newSecret.text,
      secret_key_nonce: newSecret.nonce,
      user_sauce: data.user.user_sauce,
    },
    fetchImpl,
  );
  return { session, keysReencrypted: true };
}
