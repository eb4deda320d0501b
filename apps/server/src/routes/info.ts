/** `GET /info/` (signed server description) and `GET /healthcheck/`. */
import {
  type HealthcheckReply,
  PROTOCOL_VERSION,
  type ServerInfo,
  type SignedInfo,
} from '@ldap-login/protocol';
import { Hono } from 'hono';
import type { DirectoryServerHealth } from '../accounts/directory-port.ts';
import { pingDatabase } from '../db/migrations.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { ApiServices } from '../http/services.ts';

/** How long one round of directory probes answers the health check. */
export const HEALTH_CACHE_MS = 5000;

export function serverInfo(services: Pick<ApiServices, 'settings' | 'keys' | 'build'>): ServerInfo {
  const { settings, keys } = services;
  return {
    version: `${PROTOCOL_VERSION} (Build ${services.build})`,
    api: 1,
    type: 'CE',
    public_key: keys.publicKey,
    authentication_methods: settings.AUTHENTICATION_METHODS,
    web_client: settings.WEB_CLIENT_URL ?? '',
    log_audit: false,
    management: false,
    allow_registration: false,
    allow_lost_password: false,
    multifactor_enabled: false,
    ldap_domains: settings.LDAP.map((entry) => entry.LDAP_DOMAIN),
  };
}

export function infoRoutes(services: ApiServices): Hono<AppEnv> {
  // Registered without the trailing slash: with `strict: false` both spellings match.
  const app = new Hono<AppEnv>({ strict: false });
  // The info never changes while the server runs: sign it once.
  const info = JSON.stringify(serverInfo(services));
  const signed: SignedInfo = {
    info,
    signature: services.keys.signHex(info),
    verify_key: services.keys.verifyKey,
  };

  app.get('/info', (c) => c.json(signed));

  // Directory probes bind to every URL: reuse a recent answer so the public endpoint cannot be
  // used to flood the directories.
  let directoryProbe: { at: number; result: Promise<DirectoryServerHealth[]> } | undefined;
  const probeDirectories = () => {
    const now = performance.now();
    if (!directoryProbe || now - directoryProbe.at > HEALTH_CACHE_MS) {
      directoryProbe = {
        at: now,
        result: services.directory.health().catch((error: unknown) => {
          services.logger.error({ err: error }, 'health check: directory health failed');
          return [];
        }),
      };
    }
    return directoryProbe.result;
  };

  app.get('/healthcheck', async (c) => {
    const started = performance.now();
    let dbHealthy = true;
    try {
      await pingDatabase(services.db);
    } catch (error) {
      dbHealthy = false;
      services.logger.error({ err: error }, 'health check: database unreachable');
    }
    const dbLatency = performance.now() - started;
    const servers = await probeDirectories();
    const directories = services.settings.LDAP.map((entry) => {
      const own = servers.filter((server) => server.domain === entry.LDAP_DOMAIN);
      for (const server of own) {
        if (!server.up)
          services.logger.warn(
            { domain: server.domain, url: server.url, error: server.error },
            'directory down',
          );
      }
      return {
        domain: entry.LDAP_DOMAIN,
        healthy: own.some((server) => server.up),
        // Internal host names stay in the log; the public sees positions in the URL list.
        servers: own.map((server, index) => ({
          index,
          up: server.up,
          latency_ms: Math.round(server.latencyMs * 10) / 10,
        })),
      };
    });
    const reply: HealthcheckReply = {
      healthy: dbHealthy,
      db_read: { healthy: dbHealthy, latency_ms: Math.round(dbLatency * 10) / 10 },
      time_sync: { healthy: true },
      directories,
    };
    return c.json(reply, dbHealthy ? 200 : 503);
  });
  return app;
}
