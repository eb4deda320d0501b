/**
 * A small in-memory implementation of the server's wire protocol (apps/server/API.md), its replies
 * typed by the protocol's schemas. Its boxes and signatures come from tweetnacl rather than the
 * client's crypto backend, so that the two sides of a test are independent. Used by unit and
 * component tests; the browser tests run against the real server and directory.
 */

import type { WebConfig } from '@ldap-login/config-schema/client';
import {
  type ActivateTokenReply,
  type ApiErrorCode,
  AUTHENTICATION,
  errorBody,
  fromHex,
  HASHING_ALGORITHM,
  keyFromStretchedPassword,
  type LoginData,
  type LoginReply,
  PROTOCOL_VERSION,
  type ServerInfo,
  type SessionsReply,
  type SignedInfo,
  toHex,
  type UserProfile,
  userSauceSalt,
} from '@ldap-login/protocol';
import { scrypt } from '@noble/hashes/scrypt.js';
import nacl from 'tweetnacl';

/** Cheap parameters so that tests do not wait for scrypt. */
const PARAMS = { u: 4, r: 8, p: 1, l: 64 };
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const hex = toHex;
const hexToBytes = fromHex;

function passwordKey(password: string, sauce: string): Uint8Array {
  const stretched = scrypt(password, userSauceSalt(sauce), {
    N: 2 ** PARAMS.u,
    r: PARAMS.r,
    p: PARAMS.p,
    dkLen: PARAMS.l,
  });
  return keyFromStretchedPassword(hex(stretched));
}

function secretbox(text: string, key: Uint8Array) {
  const nonce = nacl.randomBytes(24);
  return { text: hex(nacl.secretbox(enc(text), nonce, key)), nonce: hex(nonce) };
}

function openSecretbox(e: { text: string; nonce: string }, key: Uint8Array): string | null {
  const m = nacl.secretbox.open(hexToBytes(e.text), hexToBytes(e.nonce), key);
  return m ? dec(m) : null;
}

interface Account {
  directoryPassword: string;
  /** the password the keys are currently encrypted under */
  keysPassword: string;
  email: string;
  groups: { dn: string; name: string }[];
  sauce: string;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  secretKey: string;
  encPrivate: { text: string; nonce: string };
  encSecret: { text: string; nonce: string };
}

interface ServerSession {
  id: string;
  username: string;
  secret: Uint8Array;
  validator: string;
  active: boolean;
  loggedOut: boolean;
  description: string;
  fingerprint: string;
}

export interface FakeServerOptions {
  users?: Record<string, { password: string; previousPassword?: string; groups?: string[] }>;
  authenticationMethods?: string[];
  /** the directory domains `/info/` announces (default: example.com) */
  ldapDomains?: string[];
  /** answer every login with 429 and this Retry-After */
  throttleSeconds?: number;
  /** the base URL the fake answers under */
  baseUrl?: string;
}

export function createFakeServer(options: FakeServerOptions = {}) {
  const baseUrl = options.baseUrl ?? 'https://psono.example.com/server';
  let signing = nacl.sign.keyPair();
  const box = nacl.box.keyPair();
  const accounts = new Map<string, Account>();
  const sessions = new Map<string, ServerSession>();
  const calls: string[] = [];
  let lastLoginInfo: Record<string, unknown> | undefined;
  let updates = 0;

  for (const [name, user] of Object.entries(options.users ?? {})) {
    const keys = nacl.box.keyPair();
    const sauce = hex(nacl.randomBytes(32));
    const secretKey = hex(nacl.randomBytes(32));
    const keysPassword = user.previousPassword ?? user.password;
    const k = passwordKey(keysPassword, sauce);
    accounts.set(name, {
      directoryPassword: user.password,
      keysPassword,
      email: name,
      groups: (user.groups ?? []).map((g) => ({ dn: `cn=${g},ou=groups,dc=example,dc=com`, name: g })),
      sauce,
      privateKey: keys.secretKey,
      publicKey: keys.publicKey,
      secretKey,
      encPrivate: secretbox(hex(keys.secretKey), k),
      encSecret: secretbox(secretKey, k),
    });
  }

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(body === undefined ? '' : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
  const fail = (status: number, code: ApiErrorCode, headers: Record<string, string> = {}) =>
    json(status, errorBody(code), headers);

  function info(): SignedInfo {
    const infoString = JSON.stringify({
      version: `${PROTOCOL_VERSION} (Build test)`,
      api: 1,
      type: 'EE',
      public_key: hex(box.publicKey),
      authentication_methods: options.authenticationMethods ?? ['LDAP'],
      web_client: '',
      log_audit: false,
      management: false,
      allow_registration: false,
      allow_lost_password: false,
      multifactor_enabled: false,
      ldap_domains: options.ldapDomains ?? ['example.com'],
      compliance_server_secrets: 'noone',
    } satisfies ServerInfo);
    return {
      info: infoString,
      signature: hex(nacl.sign.detached(enc(infoString), signing.secretKey)),
      verify_key: hex(signing.publicKey),
    };
  }

  function handleLogin(body: Record<string, string | number>) {
    if (options.throttleSeconds !== undefined) {
      return fail(429, 'TOO_MANY_LOGIN_ATTEMPTS', { 'Retry-After': String(options.throttleSeconds) });
    }
    const clientPublic = hexToBytes(String(body.public_key));
    const opened = nacl.box.open(
      hexToBytes(String(body.login_info)),
      hexToBytes(String(body.login_info_nonce)),
      clientPublic,
      box.secretKey,
    );
    if (!opened) return fail(400, 'LOGIN_INFO_CANNOT_BE_DECRYPTED');
    const loginInfo = JSON.parse(dec(opened)) as Record<string, string>;
    lastLoginInfo = loginInfo;
    const username = String(loginInfo.username).toLowerCase();
    const account = accounts.get(username);
    if (!account || !loginInfo.password || loginInfo.password !== account.directoryPassword) {
      return fail(400, 'USERNAME_OR_PASSWORD_WRONG');
    }
    const sessionKeys = nacl.box.keyPair();
    const token = hex(nacl.randomBytes(32));
    const secret = nacl.randomBytes(32);
    const validator = hex(nacl.randomBytes(32));
    sessions.set(token, {
      id: crypto.randomUUID(),
      username,
      secret,
      validator,
      active: false,
      loggedOut: false,
      description: String(loginInfo.device_description ?? ''),
      fingerprint: String(loginInfo.device_fingerprint ?? ''),
    });
    const n1 = nacl.randomBytes(24);
    const n2 = nacl.randomBytes(24);
    const data: LoginData = {
      token,
      session_valid_till: new Date(Date.now() + Number(body.session_duration) * 1000).toISOString(),
      session_public_key: hex(sessionKeys.publicKey),
      session_secret_key: hex(nacl.box(enc(hex(secret)), n1, clientPublic, sessionKeys.secretKey)),
      session_secret_key_nonce: hex(n1),
      user_validator: hex(nacl.box(enc(validator), n2, account.publicKey, sessionKeys.secretKey)),
      user_validator_nonce: hex(n2),
      required_multifactors: [],
      user: {
        id: 'u-1',
        username,
        email: account.email,
        authentication: AUTHENTICATION,
        public_key: hex(account.publicKey),
        private_key: account.encPrivate.text,
        private_key_nonce: account.encPrivate.nonce,
        user_sauce: account.sauce,
        hashing_algorithm: HASHING_ALGORITHM,
        hashing_parameters: PARAMS,
      },
    };
    const n = nacl.randomBytes(24);
    return json(200, {
      login_info: hex(nacl.box(enc(JSON.stringify(data)), n, clientPublic, box.secretKey)),
      login_info_nonce: hex(n),
    } satisfies LoginReply);
  }

  function handleAuthenticated(method: string, path: string, headers: Headers, rawBody: string) {
    const token = headers.get('Authorization')?.replace(/^Token /, '') ?? '';
    const session = sessions.get(token);
    if (!session || session.loggedOut) return fail(401, 'TOKEN_INVALID');
    const validatorHeader = headers.get('Authorization-Validator');
    if (!validatorHeader || openSecretbox(JSON.parse(validatorHeader), session.secret) === null) {
      return fail(401, 'AUTHORIZATION_VALIDATOR_INVALID');
    }
    const reply = (status: number, body: unknown) =>
      json(status, secretbox(JSON.stringify(body), session.secret));
    const body = rawBody
      ? JSON.parse(openSecretbox(JSON.parse(rawBody), session.secret) ?? 'null')
      : undefined;
    const account = accounts.get(session.username)!;
    if (path === '/authentication/activate-token/') {
      if (session.active) return fail(401, 'TOKEN_ALREADY_ACTIVATED');
      const v = openSecretbox({ text: body.verification, nonce: body.verification_nonce }, session.secret);
      if (v !== session.validator) return reply(400, errorBody('VERIFICATION_FAILED'));
      session.active = true;
      return reply(200, {
        user: {
          id: 'u-1',
          username: session.username,
          email: account.email,
          authentication: AUTHENTICATION,
          public_key: hex(account.publicKey),
          secret_key: account.encSecret.text,
          secret_key_nonce: account.encSecret.nonce,
          hashing_algorithm: HASHING_ALGORITHM,
          hashing_parameters: PARAMS,
          server_secret_exists: false,
        },
      } satisfies ActivateTokenReply);
    }
    if (!session.active) return fail(401, 'TOKEN_NOT_ACTIVATED');
    if (path === '/user/' && method === 'GET') {
      return reply(200, {
        id: 'u-1',
        username: session.username,
        email: account.email,
        authentication: AUTHENTICATION,
        domain: 'example.com',
        public_key: hex(account.publicKey),
        groups: account.groups,
        session_valid_till: new Date(Date.now() + 86_400_000).toISOString(),
        created_at: new Date(0).toISOString(),
        last_login: new Date().toISOString(),
      } satisfies UserProfile);
    }
    if (path === '/user/update/' && method === 'PUT') {
      updates++;
      account.encPrivate = { text: body.private_key, nonce: body.private_key_nonce };
      account.encSecret = { text: body.secret_key, nonce: body.secret_key_nonce };
      account.keysPassword = account.directoryPassword;
      return reply(200, {});
    }
    if (path === '/authentication/sessions/') {
      const list = [...sessions.entries()]
        .filter(([, s]) => s.username === session.username && !s.loggedOut && s.active)
        .map(([t, s]) => ({
          id: s.id,
          create_date: new Date().toISOString(),
          valid_till: new Date(Date.now() + 86_400_000).toISOString(),
          device_description: s.description,
          device_fingerprint: s.fingerprint,
          current_session: t === token,
          active: true,
        }));
      return reply(200, { sessions: list } satisfies SessionsReply);
    }
    if (path === '/authentication/logout/') {
      const target = body?.session_id
        ? [...sessions.values()].find((s) => s.id === body.session_id)
        : session;
      if (!target) return reply(400, errorBody('SESSION_NOT_FOUND'));
      target.loggedOut = true;
      return reply(200, {});
    }
    return fail(404, 'NOT_FOUND');
  }

  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    if (!url.startsWith(baseUrl)) throw new TypeError('Failed to fetch');
    const path = url.slice(baseUrl.length);
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    const rawBody = typeof init.body === 'string' ? init.body : '';
    calls.push(`${method} ${path}`);
    if (path === '/info/') return json(200, info());
    if (path === '/authentication/login/') return handleLogin(JSON.parse(rawBody));
    return handleAuthenticated(method, path, headers, rawBody);
  };

  return {
    baseUrl,
    fetch: fetchImpl as typeof fetch,
    calls,
    get verifyKey() {
      return hex(signing.publicKey);
    },
    get lastLoginInfo() {
      return lastLoginInfo;
    },
    get keyUpdates() {
      return updates;
    },
    /** the password the account's keys are currently encrypted under (checked by opening them) */
    keysOpenWith(username: string, password: string): boolean {
      const account = accounts.get(username)!;
      return (
        openSecretbox(account.encPrivate, passwordKey(password, account.sauce)) === hex(account.privateKey)
      );
    },
    rotateSigningKey() {
      signing = nacl.sign.keyPair();
    },
    setThrottle(seconds: number | undefined) {
      options.throttleSeconds = seconds;
    },
  };
}

export type FakeServer = ReturnType<typeof createFakeServer>;

/**
 * The config.json of a site whose one server is `server`, in the `example.com` domain, with LDAP
 * logins only; `overrides` replace top-level keys.
 */
export function fakeServerConfig(
  server: FakeServer,
  overrides: Partial<WebConfig> = {},
  { autoapprovePlainPassword = false } = {},
): WebConfig {
  return {
    backend_servers: [
      {
        title: 'Example',
        url: server.baseUrl,
        domain: 'example.com',
        domain_from_url: false,
        autoapprove_plain_password: autoapprovePlainPassword,
      },
    ],
    authentication_methods: ['LDAP'],
    allow_custom_server: false,
    allow_registration: false,
    allow_lost_password: false,
    remember_me_default: false,
    trust_device_default: false,
    clipboard_clear_seconds: 30,
    vault_lock_minutes: 15,
    base_url: 'https://psono.example.com/',
    ...overrides,
  };
}
