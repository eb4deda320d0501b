/**
 * `POST /authentication/login/`: the encrypted LDAP login. Reads top to bottom: decrypt the login
 * info -> mark the request used and reserve the attempt with the throttle (one transaction) ->
 * directory -> account, session and the throttle's release (one transaction) -> encrypted reply.
 */

import { AccountRestrictedError, LockoutGuardError, qualifiedLoginName } from '@ldap-login/ldap-core';
import {
  ApiError,
  AUTHENTICATION,
  DecryptionError,
  fromHex,
  HASHING_ALGORITHM,
  type LoginData,
  type LoginReply,
  loginInfoSchema,
  type loginRequestSchema,
  SCRYPT_PARAMETERS,
} from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { z } from 'zod';
import { AccountBlocked, canonicalUsername, type LoginOutcome } from '../accounts/account-service.ts';
import type { DirectoryUser } from '../accounts/directory-port.ts';
import { audit, auditRepeatedRefusal } from '../audit.ts';
import type { AppEnv } from '../http/app-env.ts';
import { throttlingAddress } from '../http/client-address.ts';
import { mapDirectoryError } from '../http/directory-errors.ts';
import type { ApiServices } from '../http/services.ts';
import type { CreatedSession } from '../sessions/session-store.ts';
import { deviceCookieName } from '../throttle/device-token.ts';
import { LoginThrottled, type ThrottleReservation } from '../throttle/login-throttle.ts';
import {
  claimLoginRequest,
  LoginRequestExpired,
  LoginRequestReplayed,
  loginRequestHash,
} from '../throttle/replay-guard.ts';

const MIN_SESSION_SECONDS = 60;

/** A refusal whose exact reason is for the log; the client sees USERNAME_OR_PASSWORD_WRONG. */
class LoginRefused extends Error {
  override readonly name = 'LoginRefused';
}

/** Waits until `floorMs` have passed since `start` (a `performance.now()` reading). */
async function delayUntil(start: number, floorMs: number): Promise<void> {
  const remaining = start + floorMs - performance.now();
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
}

export async function handleLogin(
  c: Context<AppEnv>,
  request: z.output<typeof loginRequestSchema>,
  services: ApiServices,
): Promise<Response> {
  const { settings, keys, logger, throttle } = services;
  if (!settings.AUTHENTICATION_METHODS.includes(AUTHENTICATION)) {
    throw new ApiError('AUTHENTICATION_METHOD_NOT_ALLOWED', 'LDAP is not in AUTHENTICATION_METHODS');
  }

  const clientPublicKey = fromHex(request.public_key);
  let loginInfo: z.output<typeof loginInfoSchema>;
  // The box key of (client session key, server key) opens the request and seals the reply.
  let replyKey: Uint8Array;
  try {
    replyKey = sodiumCrypto.boxKey(clientPublicKey, keys.box.privateKey);
    const plain = sodiumCrypto.secretboxOpen(
      { text: request.login_info, nonce: request.login_info_nonce },
      replyKey,
    );
    loginInfo = loginInfoSchema.parse(JSON.parse(plain));
  } catch (error) {
    const reason = error instanceof DecryptionError ? error.message : 'login_info is not the expected JSON';
    throw new ApiError('LOGIN_INFO_CANNOT_BE_DECRYPTED', reason);
  }

  const login = qualifiedUsername(services, loginInfo.username);
  const loginName = login.username;
  const clientAddress = c.get('clientAddress');
  // Audit and logs keep the full address; the throttle counts IPv6 clients per network.
  const throttledAddress = throttlingAddress(clientAddress, settings.LOGIN_THROTTLE_IPV6_PREFIX);
  // A device that logged in as this username before is throttled on its own (see login-throttle.ts).
  const cookieName = deviceCookieName(loginName);
  const device = services.deviceTokens.verify(getCookie(c, cookieName), loginName);
  const reservation = await admitAttempt(services, {
    loginName,
    clientAddress,
    throttledAddress,
    deviceId: device?.deviceId,
    publicKey: request.public_key,
    nonce: request.login_info_nonce,
    deviceTime: loginInfo.device_time,
  });

  const start = performance.now();
  /** Answers a refused or failed attempt: the throttle's reservation, the log, the audit row. */
  const refuse = async (error: unknown): Promise<never> => {
    const failure =
      error instanceof LoginRefused
        ? {
            apiError: new ApiError('USERNAME_OR_PASSWORD_WRONG', error.message),
            isRefusal: true,
            counted: true,
            reason: error.message,
          }
        : mapDirectoryError(error);
    // A guessed password keeps its reservation: that is the failure counted. Anything else (a
    // restricted account, the directory's trouble) was not a guess, so nothing counts it.
    if (!failure?.counted) await throttle.releaseUncounted(services.executor, reservation);
    if (!failure) throw error;
    if (error instanceof AccountRestrictedError || error instanceof LockoutGuardError) {
      // For the administrator only: the directory's code, the DN and the URL never reach the client.
      logger.warn(
        {
          username: loginName,
          reason: failure.reason,
          directoryCode: error instanceof AccountRestrictedError ? (error.adSubCode ?? null) : null,
          userDn: error instanceof AccountRestrictedError ? (error.userDn ?? null) : null,
          url: error instanceof AccountRestrictedError ? (error.url ?? null) : null,
          detail: error.detail ?? null,
        },
        'login refused by the directory',
      );
    }
    audit(services, {
      event: 'login',
      outcome: 'failure',
      username: loginName,
      clientAddress,
      reason: failure.reason,
    });
    if (failure.isRefusal) await delayUntil(start, services.refusalFloorMs);
    throw failure.apiError;
  };
  let directoryUser: DirectoryUser;
  try {
    directoryUser = await askDirectory(services, login, loginInfo.password ?? '');
  } catch (error) {
    return refuse(error);
  }

  const durationSeconds = Math.min(
    Math.max(request.session_duration ?? settings.DEFAULT_TOKEN_TIME_VALID, MIN_SESSION_SECONDS),
    settings.MAX_WEB_TOKEN_TIME_VALID,
  );
  const issued: { session?: CreatedSession } = {};
  let outcome: LoginOutcome;
  try {
    // The account is read in this transaction (a blocked one writes nothing and is refused here).
    outcome = await services.accounts.recordLogin(directoryUser, loginInfo.password ?? '', {
      session: (userId) => {
        issued.session = services.sessions.buildSession({
          userId,
          durationSeconds,
          deviceFingerprint: loginInfo.device_fingerprint ?? '',
          deviceDescription: loginInfo.device_description ?? '',
          clientAddress,
        });
        return issued.session.row;
      },
      audit: (account, isNew) => ({
        event: 'login',
        outcome: 'success',
        username: account.username,
        userId: account.id,
        clientAddress,
        details: isNew ? { account_created: true } : null,
        at: services.now(),
      }),
      alsoInTransaction: (tx) => throttle.releaseAfterSuccess(tx, reservation),
    });
  } catch (error) {
    if (!(error instanceof AccountBlocked)) throw error;
    return refuse(new LoginRefused('USER_BLOCKED'));
  }
  const { user: recorded, created } = outcome;
  const { row: session, token } = issued.session!;
  // Server secrets (SPEC 11): the keys handed out open with the password the directory just accepted.
  // The row was read with the account, in the login's transaction.
  const user = await services.serverSecrets.afterLogin(
    recorded,
    loginInfo.password ?? '',
    loginInfo.authkey,
    outcome.loginSecrets,
  );
  logger.info(
    { event: 'login', outcome: 'success', user: user.username, userId: user.id, created, clientAddress },
    'login',
  );

  // The server's own key stands in for Psono's per-session server key pair (the client reads it
  // from `session_public_key`). A fresh pair would add no forward secrecy, since `login_info`
  // (with the password) is boxed to the long-term key anyway, and it would cost a key generation
  // and two Diffie-Hellman operations per login. So the secret travels under the request's box key,
  // and the validator under the (server, user) box key, which is cached per user.
  const sessionSecret = sodiumCrypto.secretboxSeal(session.secret, replyKey);
  const validator = sodiumCrypto.secretboxSeal(
    session.validator ?? '',
    services.userBoxKeys.keyFor(user.public_key),
  );
  const loginData: LoginData = {
    token,
    session_valid_till: new Date(session.valid_till).toISOString(),
    session_public_key: keys.publicKey,
    session_secret_key: sessionSecret.text,
    session_secret_key_nonce: sessionSecret.nonce,
    user_validator: validator.text,
    user_validator_nonce: validator.nonce,
    required_multifactors: [],
    user: {
      id: user.id,
      username: user.username,
      email: user.email,
      authentication: AUTHENTICATION,
      public_key: user.public_key,
      private_key: user.private_key,
      private_key_nonce: user.private_key_nonce,
      user_sauce: user.user_sauce,
      hashing_algorithm: HASHING_ALGORITHM,
      hashing_parameters: SCRYPT_PARAMETERS,
    },
  };
  const reply = sodiumCrypto.secretboxSeal(JSON.stringify(loginData), replyKey);
  // Renewed at every login; a known device keeps its id (and so its counter).
  const issuedDevice = services.deviceTokens.issue(loginName, device?.deviceId);
  setCookie(c, cookieName, issuedDevice.token, {
    // The path hono already parsed from the request line (a `new URL` per login cost ~10 us).
    path: c.req.path.replace(/\/+$/, ''),
    httpOnly: true,
    secure: c.get('https'),
    sameSite: 'Strict',
    maxAge: services.deviceTokens.lifetimeSeconds,
  });
  return c.json({ login_info: reply.text, login_info_nonce: reply.nonce } satisfies LoginReply);
}

/**
 * Admits one login attempt before the directory is asked, in one transaction: the request is
 * marked used (a replay is refused and changes nothing) and the attempt is counted against the
 * username and the address (over a limit: refused, nothing counted, and repeated refusals of one
 * key summarised in one audit row and one log line per window).
 */
async function admitAttempt(
  services: ApiServices,
  attempt: {
    loginName: string;
    clientAddress: string;
    /** The address as the throttle counts it (IPv6 aggregated by prefix). */
    throttledAddress: string;
    deviceId: string | undefined;
    publicKey: string;
    nonce: string;
    deviceTime: string | null | undefined;
  },
): Promise<ThrottleReservation> {
  const { loginName, clientAddress } = attempt;
  try {
    return await services.executor.transaction(async (tx) => {
      await claimLoginRequest(tx, attempt, services.now());
      return services.throttle.reserve(tx, loginName, attempt.throttledAddress, attempt.deviceId);
    });
  } catch (error) {
    if (error instanceof LoginThrottled) {
      services.metrics.throttleRefused(error.key);
      auditRepeatedRefusal(
        services,
        {
          event: 'login',
          outcome: 'failure',
          username: loginName,
          clientAddress,
          reason: `THROTTLED_${error.key.toUpperCase()}`,
        },
        { key: error.counterKey, windowStart: error.windowStart },
      );
      throw new ApiError('TOO_MANY_LOGIN_ATTEMPTS', error.message, {
        'Retry-After': String(error.retryAfterSeconds),
      });
    }
    if (error instanceof LoginRequestReplayed) {
      const hash = loginRequestHash(attempt.publicKey, attempt.nonce);
      auditRepeatedRefusal(
        services,
        { event: 'login', outcome: 'failure', username: loginName, clientAddress, reason: 'REPLAYED' },
        { key: `replay:${hash}`, windowStart: 0 },
      );
      throw new ApiError('LOGIN_REQUEST_REPLAYED', error.message);
    }
    if (error instanceof LoginRequestExpired) throw new ApiError('LOGIN_REQUEST_EXPIRED', error.message);
    throw error;
  }
}

/**
 * The spelling the directory would treat as the same name: LDAP matches names after RFC 4518's
 * preparation (compatibility forms such as full-width letters folded, case ignored, insignificant
 * spaces dropped), so `ｂｏｂ` or `bob @example.org` reach the same entry as `bob@example.org` and must
 * share its throttling counter.
 */
function directoryEquivalent(typed: string): string {
  return typed
    .normalize('NFKC')
    .toLowerCase()
    .split('@')
    .map((part) => part.trim().replace(/\s+/g, ' '))
    .join('@');
}

/**
 * The name a login is throttled, audited and looked up under: `name@domain` once the domain is
 * known, so `alice` and `Alice@Example.com` share one throttling counter.
 */
function qualifiedUsername(services: ApiServices, typed: string): { username: string; known: boolean } {
  const lowered = directoryEquivalent(typed);
  // `CORP\\gina` (LDAP_NETBIOS_DOMAIN) and `gina@corp.test` are the same user and share a counter.
  const qualified = qualifiedLoginName(services.settings.LDAP, lowered);
  if (qualified === undefined) return { username: lowered, known: false };
  return { username: qualified, known: true };
}

/** The directory's answer (the account is read with the login's writes, see `recordLogin`). */
async function askDirectory(
  services: ApiServices,
  login: { username: string; known: boolean },
  password: string,
): Promise<DirectoryUser> {
  if (password.trim() === '') throw new LoginRefused('EMPTY_PASSWORD');
  if (!login.known) throw new LoginRefused('UNKNOWN_DOMAIN');
  const directoryUser = await services.directory.authenticate(login.username, password);
  if (canonicalUsername(directoryUser) === '') throw new LoginRefused('EMPTY_USERNAME_FROM_DIRECTORY');
  return directoryUser;
}
