import {
  type ActivateTokenRequest,
  AUTHENTICATION,
  activateTokenReplySchema,
  DecryptionError,
  formatFingerprint,
  fromHex,
  keyFromStretchedPassword,
  type LoginInfo,
  type LoginRequest as LoginRequestBody,
  loginDataSchema,
  loginReplySchema,
  nobleCrypto,
  qualifyUsername,
  type ScryptParameters,
  toHex,
  type UserUpdateRequest,
  userSauceSalt,
} from '@ldap-login/protocol';
import type { z } from 'zod';
import { scryptHex } from '../crypto/scrypt.ts';
import { handOverKeys } from '../vault/vault-keys.ts';
import { ClientError } from './client-error.ts';
import { deviceDescription, deviceFingerprint } from './device.ts';
import { requestJson } from './http.ts';
import { fetchServerInfo, normaliseServerUrl, type VerifiedServerInfo } from './server-info.ts';
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
  /** `domain` is only the url's host (config.json names none): the server's own directory domain wins */
  domainFromUrl?: boolean;
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

/**
 * The domain appended to a username typed without one: config.json's; else, when the server logs
 * in against exactly one directory, that directory's domain (announced in `/info/`); else the url's
 * host, as Psono's clients do. Without this, `alice` on `http://127.0.0.1/server` became
 * `alice@127.0.0.1`, which no directory serves.
 */
export function loginDomain(
  server: Pick<LoginServer, 'domain' | 'domainFromUrl'>,
  ldapDomains: readonly string[],
): string {
  const [only] = ldapDomains;
  if (server.domainFromUrl && ldapDomains.length === 1 && only) return only;
  return server.domain;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ClientError('MALFORMED_RESPONSE', { detail: `${what}: ${result.error.message}` });
  return result.data;
}

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ClientError('MALFORMED_RESPONSE', { detail: `${what} is not JSON` });
  }
}

function openBox(what: string, open: () => string): string {
  try {
    return open();
  } catch (error) {
    if (error instanceof DecryptionError)
      throw new ClientError('MALFORMED_RESPONSE', { detail: `${what} does not decrypt` });
    throw error;
  }
}

/** Checks the server's identity against the pins, asking the user about a server never seen before. */
async function establishIdentity(
  server: LoginServer,
  prompts: LoginPrompts,
  fetchImpl: typeof fetch,
): Promise<VerifiedServerInfo> {
  const info = await fetchServerInfo(server.url, fetchImpl);
  const verdict = judgeIdentity(server.url, info.verifyKey, server.verifyKey);
  if (verdict.status === 'changed') {
    throw new ClientError('IDENTITY_CHANGED', {
      detail: `pinned ${verdict.pinned}, presented ${info.verifyKey}`,
    });
  }
  if (verdict.status === 'new') {
    const approved = await prompts.approveNewServer({
      serverUrl: normaliseServerUrl(server.url),
      fingerprint: formatFingerprint(info.verifyKey),
    });
    if (!approved) throw new ClientError('IDENTITY_DECLINED');
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
  if (!approved) throw new ClientError('PLAIN_PASSWORD_DECLINED');
  rememberPlainPasswordApproval(server.url);
}

/** The key that wraps the user's keys; scrypt runs in a worker. */
async function passwordKey(
  password: string,
  userSauce: string,
  params: ScryptParameters,
): Promise<Uint8Array> {
  return keyFromStretchedPassword(await scryptHex(password, userSauceSalt(userSauce), params));
}

function tryOpenPrivateKey(encrypted: { text: string; nonce: string }, key: Uint8Array): string | undefined {
  try {
    return nobleCrypto.secretboxOpen(encrypted, key);
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
  if (!info.authenticationMethods.includes(AUTHENTICATION)) {
    throw new ClientError('LDAP_NOT_OFFERED', { detail: info.authenticationMethods.join(',') });
  }
  await consentToSendPassword(request.server, prompts);

  prompts.onStep?.('sending');
  const username = qualifyUsername(request.username, loginDomain(request.server, info.ldapDomains));
  const fingerprint = deviceFingerprint();
  const sessionKeys = nobleCrypto.generateX25519KeyPair();
  const serverPublicKey = fromHex(info.publicKey);
  // No authkey: the server checks the password against the directory and ignores it, and
  // computing it would cost a full scrypt run before anything is sent.
  const loginInfo = nobleCrypto.boxSeal(
    JSON.stringify({
      username,
      password: request.password,
      device_fingerprint: fingerprint,
      device_description: deviceDescription(),
      device_time: new Date().toISOString(),
    } satisfies LoginInfo),
    serverPublicKey,
    sessionKeys.privateKey,
  );
  const reply = parse(
    loginReplySchema,
    await requestJson(
      {
        method: 'POST',
        url: `${serverUrl}/authentication/login/`,
        body: {
          login_info: loginInfo.text,
          login_info_nonce: loginInfo.nonce,
          public_key: toHex(sessionKeys.publicKey),
          session_duration: request.sessionDuration,
        } satisfies LoginRequestBody,
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
        nobleCrypto.boxOpen(
          { text: reply.login_info, nonce: reply.login_info_nonce },
          serverPublicKey,
          sessionKeys.privateKey,
        ),
      ),
    ),
    'login data',
  );
  if (data.required_multifactors.length > 0) {
    throw new ClientError('SERVER_ERROR', {
      detail: `unsupported second factors: ${data.required_multifactors.join(',')}`,
    });
  }
  // The schema admits only scrypt with bounded parameters: a hostile server cannot hang the page.
  const params = data.user.hashing_parameters;

  const sessionSecret = openBox('session secret', () =>
    nobleCrypto.boxOpen(
      { text: data.session_secret_key, nonce: data.session_secret_key_nonce },
      fromHex(data.session_public_key),
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
  let privateKey = tryOpenPrivateKey(encryptedPrivateKey, currentKey);
  let previousKey: Uint8Array | undefined;
  for (let attempt = 1; privateKey === undefined; attempt++) {
    const previous = await prompts.askPreviousPassword({ attempt });
    if (previous === null) throw new ClientError('KEYS_LOCKED', { detail: 'previous password not given' });
    previousKey = await passwordKey(previous, data.user.user_sauce, params);
    privateKey = tryOpenPrivateKey(encryptedPrivateKey, previousKey);
  }

  prompts.onStep?.('activating');
  const validator = openBox('user validator', () =>
    nobleCrypto.boxOpen(
      { text: data.user_validator, nonce: data.user_validator_nonce },
      fromHex(data.session_public_key),
      fromHex(privateKey),
    ),
  );
  const verification = nobleCrypto.secretboxSeal(validator, fromHex(sessionSecret));
  const activated = parse(
    activateTokenReplySchema,
    await sessionRequest(
      session,
      'POST',
      '/authentication/activate-token/',
      {
        verification: verification.text,
        verification_nonce: verification.nonce,
        zoneinfo: Intl.DateTimeFormat().resolvedOptions().timeZone,
      } satisfies ActivateTokenRequest,
      fetchImpl,
    ),
    'activate-token reply',
  );

  const secretKey = openBox('secret key', () =>
    nobleCrypto.secretboxOpen(
      { text: activated.user.secret_key, nonce: activated.user.secret_key_nonce },
      previousKey ?? currentKey,
    ),
  );
  const sealedKeys = {
    userSauce: data.user.user_sauce,
    hashingParameters: params,
    secretKey: { text: activated.user.secret_key, nonce: activated.user.secret_key_nonce },
    privateKey: encryptedPrivateKey,
  };
  if (previousKey === undefined) {
    // The vault opens its datastores with these; they never reach storage in the clear.
    handOverKeys(session, { keys: { secretKey, privateKey }, sealed: sealedKeys });
    return { session, keysReencrypted: false };
  }

  prompts.onStep?.('updating');
  const newPrivate = nobleCrypto.secretboxSeal(privateKey, currentKey);
  const newSecret = nobleCrypto.secretboxSeal(secretKey, currentKey);
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
    } satisfies UserUpdateRequest,
    fetchImpl,
  );
  handOverKeys(session, {
    keys: { secretKey, privateKey },
    sealed: { ...sealedKeys, secretKey: newSecret, privateKey: newPrivate },
  });
  return { session, keysReencrypted: true };
}
