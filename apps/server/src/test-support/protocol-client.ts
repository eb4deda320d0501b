/**
 * A protocol client that logs in exactly as a browser does (API.md): boxed login info, decryption
 * of the keys with the password, the previous-password path, activate-token, and encrypted calls
 * with `Authorization-Validator`. Used by the integration tests and the benchmark.
 *
 * @example
 * const client = ProtocolClient.forUrl('http://127.0.0.1:8080/server');
 * const session = await client.login('alice@example.com', 'secret');
 * const profile = await session.call('GET', '/user/');
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { BoxKeyCache } from '../crypto/box-key-cache.ts';
import { fromHex, toHex } from '../crypto/hex.ts';
import {
  decryptWithKey,
  type EncryptedValue,
  encryptWithKey,
  generateX25519KeyPair,
  x25519PrivateKey,
} from '../crypto/nacl.ts';
import { passwordDerivedKey } from '../crypto/password-key.ts';

/** What the client reads of an answer; a `fetch` `Response` is one. */
export interface TransportResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export type Transport = (path: string, init: RequestInit) => Promise<TransportResponse>;

/** The server answered with an error: HTTP status and the `non_field_errors` code. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly retryAfter: string | null = null,
  ) {
    super(`HTTP ${status}${code ? ` ${code}` : ''}`);
  }
}

/** The keys did not open with the password (nor with the previous one, when given). */
export class KeysLockedError extends Error {
  override readonly name = 'KeysLockedError';
}

export interface ServerInfo {
  version: string;
  public_key: string;
  authentication_methods: string[];
  [key: string]: unknown;
}

export interface LoginUser {
  id: string;
  username: string;
  email: string | null;
  authentication: string;
  public_key: string;
  private_key: string;
  private_key_nonce: string;
  user_sauce: string;
}

export interface LoginOptions {
  /** Tried when the keys do not open with `password` (the directory password changed). */
  previousPassword?: string;
  sessionDuration?: number;
  deviceFingerprint?: string;
  deviceDescription?: string;
  /** Stop after the login reply, before activate-token (to test unactivated sessions). */
  skipActivation?: boolean;
  /** Sent in the login info as Psono's official client sends it (hex scrypt of the password). */
  authkey?: string;
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export class ProtocolClient {
  private serverInfo: ServerInfo | undefined;
  // Psono's client keeps a short-lived lookup table of scrypt results; so does this one, so that
  // a benchmark logging the same users in repeatedly measures the server, not client-side scrypt.
  private readonly derivedKeys = new Map<string, Uint8Array>();
  // The same for the user's private key and its box key with the server's session key: both stay
  // the same from one login of a user to the next.
  private readonly userBoxKeys = new Map<string, BoxKeyCache>();

  constructor(private readonly transport: Transport) {}

  static forUrl(apiBase: string): ProtocolClient {
    const base = apiBase.replace(/\/$/, '');
    return new ProtocolClient((path, init) => fetch(base + path, init));
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<TransportResponse> {
    return this.transport(path, {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** `GET /info/`, with the Ed25519 signature checked. */
  async info(): Promise<ServerInfo> {
    if (this.serverInfo) return this.serverInfo;
    const response = await this.request('GET', '/info/');
    if (!response.ok) throw await errorOf(response);
    const signed = (await response.json()) as { info: string; signature: string; verify_key: string };
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(signed.verify_key, 'hex')]),
      format: 'der',
      type: 'spki',
    });
    if (!verify(null, Buffer.from(signed.info, 'utf8'), key, Buffer.from(signed.signature, 'hex'))) {
      throw new Error('server info signature does not verify');
    }
    this.serverInfo = JSON.parse(signed.info) as ServerInfo;
    return this.serverInfo;
  }

  private async keyFor(password: string, sauce: string): Promise<Uint8Array> {
    const id = createHash('sha256').update(`${sauce}\u0000${password}`).digest('hex');
    let key = this.derivedKeys.get(id);
    if (!key) {
      key = await passwordDerivedKey(password, sauce);
      this.derivedKeys.set(id, key);
    }
    return key;
  }

  private userBoxKeysFor(privateKeyHex: string): BoxKeyCache {
    let boxKeys = this.userBoxKeys.get(privateKeyHex);
    if (!boxKeys) {
      boxKeys = new BoxKeyCache(x25519PrivateKey(fromHex(privateKeyHex)));
      this.userBoxKeys.set(privateKeyHex, boxKeys);
    }
    return boxKeys;
  }

  /** Full login: boxed login info, key decryption (previous-password path), activate-token. */
  async login(username: string, password: string, options: LoginOptions = {}): Promise<Session> {
    const info = await this.info();
    // One Diffie-Hellman per pair of keys: the request and its reply share the box key, and so does
    // the session secret when the server answers with the same key.
    const sessionKeys = generateX25519KeyPair();
    const sessionBoxKeys = new BoxKeyCache(sessionKeys);
    const replyKey = sessionBoxKeys.keyFor(info.public_key.toLowerCase());
    const deviceFingerprint = options.deviceFingerprint ?? 'protocol-client';
    const loginInfo = encryptWithKey(
      JSON.stringify({
        username,
        password,
        device_fingerprint: deviceFingerprint,
        device_description: options.deviceDescription ?? 'protocol client',
        device_time: new Date().toISOString(),
        ...(options.authkey === undefined ? {} : { authkey: options.authkey }),
      }),
      replyKey,
    );
    const response = await this.request('POST', '/authentication/login/', {
      login_info: loginInfo.text,
      login_info_nonce: loginInfo.nonce,
      public_key: toHex(sessionKeys.publicKey),
      ...(options.sessionDuration === undefined ? {} : { session_duration: options.sessionDuration }),
    });
    if (!response.ok) throw await errorOf(response);
    const envelope = (await response.json()) as { login_info: string; login_info_nonce: string };
    const data = JSON.parse(
      decryptWithKey({ text: envelope.login_info, nonce: envelope.login_info_nonce }, replyKey),
    ) as {
      token: string;
      session_valid_till: string;
      session_public_key: string;
      session_secret_key: string;
      session_secret_key_nonce: string;
      user_validator: string;
      user_validator_nonce: string;
      required_multifactors: unknown[];
      user: LoginUser;
    };
    const sessionBoxKey = sessionBoxKeys.keyFor(data.session_public_key.toLowerCase());
    const sessionSecret = fromHex(
      decryptWithKey({ text: data.session_secret_key, nonce: data.session_secret_key_nonce }, sessionBoxKey),
    );

    const privateKeyValue = { text: data.user.private_key, nonce: data.user.private_key_nonce };
    let keyPassword = password;
    let privateKeyHex: string;
    try {
      privateKeyHex = decryptWithKey(privateKeyValue, await this.keyFor(password, data.user.user_sauce));
    } catch {
      if (options.previousPassword === undefined)
        throw new KeysLockedError('keys do not open with the password');
      try {
        privateKeyHex = decryptWithKey(
          privateKeyValue,
          await this.keyFor(options.previousPassword, data.user.user_sauce),
        );
      } catch {
        throw new KeysLockedError('keys open with neither the password nor the previous password');
      }
      keyPassword = options.previousPassword;
    }
    const validator = decryptWithKey(
      { text: data.user_validator, nonce: data.user_validator_nonce },
      this.userBoxKeysFor(privateKeyHex).keyFor(data.session_public_key.toLowerCase()),
    );

    const session = new Session(
      this,
      data.token,
      sessionSecret,
      deviceFingerprint,
      data.user,
      data.session_valid_till,
    );
    session.privateKey = privateKeyHex;
    if (options.skipActivation) return session;

    const verification = encryptWithKey(validator, sessionSecret);
    const activated = await session.call<{
      user: { secret_key: string; secret_key_nonce: string; server_secret_exists?: boolean };
    }>('POST', '/authentication/activate-token/', {
      verification: verification.text,
      verification_nonce: verification.nonce,
      zoneinfo: 'UTC',
    });
    session.serverSecretExists = activated.user.server_secret_exists;
    session.secretKey = decryptWithKey(
      { text: activated.user.secret_key, nonce: activated.user.secret_key_nonce },
      await this.keyFor(keyPassword, data.user.user_sauce),
    );

    if (keyPassword !== password) {
      // The directory password changed: store the keys under the new one.
      const newKey = await this.keyFor(password, data.user.user_sauce);
      const privateKey = encryptWithKey(privateKeyHex, newKey);
      const secretKey = encryptWithKey(session.secretKey, newKey);
      await session.call('PUT', '/user/update/', {
        private_key: privateKey.text,
        private_key_nonce: privateKey.nonce,
        secret_key: secretKey.text,
        secret_key_nonce: secretKey.nonce,
        user_sauce: data.user.user_sauce,
      });
      session.keysReencrypted = true;
    }
    return session;
  }
}

/** A logged-in session: encrypted calls with the session secret. */
export class Session {
  privateKey = '';
  secretKey = '';
  keysReencrypted = false;
  /** `server_secret_exists` of the activate-token reply. */
  serverSecretExists: boolean | undefined;

  constructor(
    private readonly client: ProtocolClient,
    readonly token: string,
    readonly sessionSecret: Uint8Array,
    readonly deviceFingerprint: string,
    readonly user: LoginUser,
    readonly validTill: string,
  ) {}

  /** Headers of an authenticated call, with a fresh `Authorization-Validator`. */
  headers(requestTime: Date = new Date()): Record<string, string> {
    const validator = encryptWithKey(
      JSON.stringify({
        request_time: requestTime.toISOString(),
        request_device_fingerprint: this.deviceFingerprint,
      }),
      this.sessionSecret,
    );
    return { Authorization: `Token ${this.token}`, 'Authorization-Validator': JSON.stringify(validator) };
  }

  /** An encrypted call; resolves to the decrypted reply or rejects with `ProtocolError`. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const encrypted =
      body === undefined ? undefined : encryptWithKey(JSON.stringify(body), this.sessionSecret);
    const response = await this.client.request(method, path, encrypted, this.headers());
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    const plain = isEncrypted(parsed) ? JSON.parse(decryptWithKey(parsed, this.sessionSecret)) : parsed;
    if (!response.ok) {
      throw new ProtocolError(response.status, codeOf(plain), response.headers.get('Retry-After'));
    }
    return plain as T;
  }

  logout(sessionId?: string): Promise<unknown> {
    return this.call('POST', '/authentication/logout/', sessionId ? { session_id: sessionId } : {});
  }
}

function isEncrypted(value: unknown): value is EncryptedValue {
  return typeof value === 'object' && value !== null && 'text' in value && 'nonce' in value;
}

function codeOf(body: unknown): string | undefined {
  const errors = (body as { non_field_errors?: unknown } | undefined)?.non_field_errors;
  return Array.isArray(errors) && typeof errors[0] === 'string' ? errors[0] : undefined;
}

async function errorOf(response: TransportResponse): Promise<ProtocolError> {
  const body: unknown = await response.json().catch(() => undefined);
  return new ProtocolError(response.status, codeOf(body), response.headers.get('Retry-After'));
}
