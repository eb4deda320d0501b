/**
 * `createApp(deps)`: the whole HTTP surface built from injected dependencies (no I/O of its own),
 * tested with `app.request()`. `server.ts` opens the real resources and listens.
 */
import type { Settings } from '@ldap-login/config-schema';
import { ApiError, errorBody, toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { AccountService } from './accounts/account-service.ts';
import type { LoginDirectory } from './accounts/directory-port.ts';
import { ServerSecrets } from './accounts/server-secrets.ts';
import { BoxKeyCache } from './crypto/box-key-cache.ts';
import { SecretKeyring } from './crypto/secret-key.ts';
import { type ServerKeys, serverKeysFrom } from './crypto/server-keys.ts';
import { executorFor } from './db/executor.ts';
import type { Database } from './db/schema.ts';
import { DirectoryHealthMonitor } from './health/directory-health-monitor.ts';
import type { AppEnv } from './http/app-env.ts';
import { limitBodySize } from './http/body-limit.ts';
import { TrustedProxies } from './http/client-address.ts';
import { apiCors } from './http/cors.ts';
import { requireJsonBody } from './http/json-content-type.ts';
import { presetHeaders, securityHeaderList, strictTransportSecurity } from './http/security-headers.ts';
import type { ApiServices } from './http/services.ts';
import { ServerLifecycle } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { countActiveSessions } from './metrics/active-sessions.ts';
import { measuredDirectory } from './metrics/measured-directory.ts';
import { PrometheusMetrics } from './metrics/server-metrics.ts';
import { countVaultOperations, VAULT_RESOURCES } from './metrics/vault-operations.ts';
import { authenticationRoutes } from './routes/authentication.ts';
import { datastoreRoutes } from './routes/datastore.ts';
import { infoRoutes } from './routes/info.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { probeRoutes } from './routes/probes.ts';
import { historyRoutes, secretRoutes } from './routes/secret.ts';
import { groupRoutes, jobRoutes, membershipRoutes, shareRoutes } from './routes/sharing.ts';
import { userRoutes } from './routes/user.ts';
import { avatarRoutes, serverSecretRoutes } from './routes/vault-status.ts';
import { SessionStore } from './sessions/session-store.ts';
import { DeviceTokens } from './throttle/device-token.ts';
import { LoginThrottle } from './throttle/login-throttle.ts';
import { CallbackPassCipher } from './vault/callback-pass.ts';
import { Datastores } from './vault/datastores.ts';
import { VaultGroups } from './vault/groups.ts';
import { Secrets } from './vault/secrets.ts';
import { Shares } from './vault/shares.ts';
import { VaultAccess } from './vault/vault-access.ts';
import { productVersion } from './version.ts';
import { type StaticSiteOptions, staticSite } from './web/static-site.ts';

/** Largest request body of every route but the vault writes; login and key updates are a few kilobytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Routes whose writes carry a datastore, a secret or a share: they take up to `VAULT_MAX_BODY_SIZE`. */
const VAULT_WRITE_PATH = /^\/(datastore|secret|share)\/?$/;

export const API_BASE_PATH = '/server';

/** Default minimum answer time of a refused login (see `ApiServices.refusalFloorMs`). */
export const DEFAULT_REFUSAL_FLOOR_MS = 250;

export interface AppDeps {
  settings: Settings;
  /** Migrated database (`openDatabase` + `migrateToLatest`). */
  db: Database;
  directory: LoginDirectory;
  /** Started by the server; without one, the health check probes on demand in the background. */
  directoryHealth?: DirectoryHealthMonitor;
  logger?: Logger;
  /** Defaults to the keys in `settings` (`PRIVATE_KEY` / `PUBLIC_KEY`). */
  keys?: ServerKeys;
  /** Clock in milliseconds; tests move it to expire sessions and throttling windows. */
  now?: () => number;
  refusalFloorMs?: number;
  /** Build id shown in `/info/` (`version: "X.Y.Z (Build <build>)"`); defaults to the git revision. */
  build?: string;
  /** Serve the web client at `/` (combined mode). */
  web?: StaticSiteOptions;
  /** Whether the server is stopping (readiness answers 503 then); `startServer` shares it. */
  lifecycle?: ServerLifecycle;
}

const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'", 'blob:'],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const SECURITY_HEADERS = securityHeaderList(CONTENT_SECURITY_POLICY);

/**
 * Builds the application: API under `/server/`, optionally the web client at `/`.
 *
 * @example
 * const app = createApp({ settings, db, directory: new DirectoryService(settings.LDAP) });
 * const reply = await app.request('/server/info/');
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? createLogger(deps.settings.LOG_LEVEL);
  const keys = deps.keys ?? serverKeysFrom(deps.settings.PRIVATE_KEY, deps.settings.PUBLIC_KEY);
  const executor = executorFor(deps.db);
  const sessions = new SessionStore(executor, now);
  const metrics = new PrometheusMetrics({
    activeSessions: () => countActiveSessions(deps.db, now()),
    poolStats: () => deps.directory.poolStats?.() ?? [],
    sqliteLock: () => executor.lockStats?.(),
  });
  const directory = measuredDirectory(
    deps.directory,
    metrics,
    deps.settings.LDAP.map((entry) => entry.LDAP_DOMAIN),
  );
  const secretKeyring = deps.settings.SECRET_KEY ? new SecretKeyring(deps.settings.SECRET_KEY) : undefined;
  // The verifiers need a server-only key even without SECRET_KEY: the private key serves then.
  const macKeyring = secretKeyring ?? new SecretKeyring(toHex(keys.box.privateKey));
  if (!secretKeyring && deps.settings.COMPLIANCE_SERVER_SECRETS !== 'noone') {
    logger.warn(
      'SECRET_KEY is not set: no server secrets are kept (COMPLIANCE_SERVER_SECRETS acts as noone)',
    );
  }
  const access = new VaultAccess(deps.db);
  const services: ApiServices = {
    settings: deps.settings,
    keys,
    userBoxKeys: new BoxKeyCache(keys.box.privateKey),
    directory,
    directoryHealth: deps.directoryHealth ?? new DirectoryHealthMonitor(deps.directory, logger),
    db: deps.db,
    executor,
    accounts: new AccountService(executor, sessions, now),
    sessions,
    throttle: new LoginThrottle(
      {
        usernameFailures: deps.settings.LOGIN_THROTTLE_USERNAME_FAILURES,
        deviceFailures: deps.settings.LOGIN_THROTTLE_DEVICE_FAILURES,
        addressFailures: deps.settings.LOGIN_THROTTLE_ADDRESS_FAILURES,
        windowSeconds: deps.settings.LOGIN_THROTTLE_WINDOW,
      },
      now,
    ),
    serverSecrets: new ServerSecrets(
      deps.db,
      deps.settings.COMPLIANCE_SERVER_SECRETS,
      secretKeyring,
      macKeyring,
      now,
    ),
    vault: {
      access,
      datastores: new Datastores(deps.db, now),
      secrets: new Secrets(deps.db, access, new CallbackPassCipher(secretKeyring), now),
      groups: new VaultGroups(deps.db, now),
      shares: new Shares(deps.db, access, now),
    },
    // Without a SECRET_KEY the private key (as secret, and never shown) is what device tokens derive from.
    deviceTokens: new DeviceTokens(
      deps.settings.SECRET_KEY ?? Buffer.from(keys.box.privateKey).toString('hex'),
      deps.settings.DEVICE_TOKEN_LIFETIME,
      now,
    ),
    logger,
    now,
    refusalFloorMs: deps.refusalFloorMs ?? DEFAULT_REFUSAL_FLOOR_MS,
    build: deps.build ?? productVersion().revision,
    metrics,
  };
  const proxies = new TrustedProxies(deps.settings.TRUSTED_PROXIES);

  const overHttps = (c: Context<AppEnv>) => {
    const socket = c.env?.incoming?.socket as { encrypted?: boolean; remoteAddress?: string } | undefined;
    return (
      socket?.encrypted === true ||
      proxies.forwardedHttps(socket?.remoteAddress, c.req.header('X-Forwarded-Proto'))
    );
  };

  const api = new Hono<AppEnv>({ strict: false });
  // `https` was set by the security headers' middleware, which runs first (and which also writes
  // the API's Cache-Control: no-store).
  api.use('*', (c, next) => {
    c.set(
      'clientAddress',
      proxies.clientAddress(c.env?.incoming?.socket?.remoteAddress, c.req.header('X-Forwarded-For')),
    );
    return next();
  });
  const cors = apiCors(deps.settings.CORS_ALLOWED_ORIGINS);
  if (cors) api.use('*', cors);
  const jsonOnly = requireJsonBody((reason) => new ApiError('UNSUPPORTED_MEDIA_TYPE', reason));
  const tooLarge = (reason: string) => new ApiError('REQUEST_TOO_LARGE', reason);
  const smallBodies = limitBodySize(MAX_BODY_BYTES, tooLarge);
  const vaultBodies = limitBodySize(deps.settings.VAULT_MAX_BODY_SIZE, tooLarge);
  // The body's type, then its size, in one middleware: a GET or HEAD carries no body and skips both.
  api.use('*', (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const limit = VAULT_WRITE_PATH.test(c.req.path.slice(API_BASE_PATH.length)) ? vaultBodies : smallBodies;
    return jsonOnly(c, async () => {
      await limit(c, next);
    });
  });
  for (const resource of VAULT_RESOURCES) {
    api.use(`/${resource}/*`, countVaultOperations(metrics, resource));
  }
  api.route('/', infoRoutes(services));
  api.route('/', probeRoutes(services, deps.lifecycle ?? new ServerLifecycle()));
  api.route(
    '/',
    metricsRoutes(metrics, {
      allowedAddresses: deps.settings.METRICS_ALLOWED_ADDRESSES,
      secret: deps.settings.METRICS_SECRET,
    }),
  );
  api.route('/authentication', authenticationRoutes(services));
  api.route('/user', userRoutes(services));
  api.route('/datastore', datastoreRoutes(services));
  api.route('/secret', secretRoutes(services));
  api.route('/history', historyRoutes(services));
  api.route('/share', shareRoutes(services));
  api.route('/group', groupRoutes(services));
  api.route('/membership', membershipRoutes(services));
  api.route('/job', jobRoutes(services));
  api.route('/avatar', avatarRoutes(services));
  api.route('/server-secret', serverSecretRoutes(services));
  api.all('*', () => {
    throw new ApiError('NOT_FOUND');
  });

  const app = new Hono<AppEnv>({ strict: false });
  // Every API reply is built through the context (routes, the 404 route, the error handler).
  const isApiPath = (path: string) => path === API_BASE_PATH || path.startsWith(`${API_BASE_PATH}/`);
  // HSTS only on https: the socket's own TLS, or a trusted proxy's X-Forwarded-Proto.
  const hsts = strictTransportSecurity(deps.settings.HSTS_MAX_AGE, deps.settings.HSTS_INCLUDE_SUBDOMAINS);
  const httpsHeaders =
    hsts === undefined
      ? SECURITY_HEADERS
      : [...SECURITY_HEADERS, ['Strict-Transport-Security', hsts] as const];
  // API replies are never stored by caches: they carry sessions, keys and vault data.
  const noStore = ['Cache-Control', 'no-store'] as const;
  const apiHeaders = [...SECURITY_HEADERS, noStore];
  const apiHttpsHeaders = [...httpsHeaders, noStore];
  app.use(
    '*',
    presetHeaders((c) => {
      // Worked out once per request: the API's middleware and the login's cookie read it.
      const https = overHttps(c);
      c.set('https', https);
      if (isApiPath(c.req.path)) return https ? apiHttpsHeaders : apiHeaders;
      return https ? httpsHeaders : SECURITY_HEADERS;
    }, isApiPath),
  );
  app.route(API_BASE_PATH, api);
  if (deps.web) app.route('/', staticSite(deps.web));

  app.onError((error, c) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500 && apiError.code !== 'DIRECTORY_UNAVAILABLE') {
      logger.error({ err: error, path: c.req.path, method: c.req.method }, 'request failed');
    } else if (apiError.code !== 'TOO_MANY_LOGIN_ATTEMPTS' && apiError.code !== 'LOGIN_REQUEST_REPLAYED') {
      // Throttled and replayed logins are logged once per key and window by their audit summary.
      logger.info({ code: apiError.code, reason: apiError.reason, path: c.req.path }, 'request refused');
    }
    for (const [name, value] of Object.entries(apiError.headers)) c.header(name, value);
    c.header('Cache-Control', 'no-store');
    const key = c.get('sessionKey');
    if (key && apiError.status !== 401) {
      return c.json(
        sodiumCrypto.secretboxSeal(JSON.stringify(errorBody(apiError.code)), key),
        apiError.status,
      );
    }
    return c.json(errorBody(apiError.code), apiError.status);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND'), 404));
  return app;
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException && error.status === 413) return new ApiError('REQUEST_TOO_LARGE');
  return new ApiError('INTERNAL_ERROR', error instanceof Error ? error.message : String(error));
}
