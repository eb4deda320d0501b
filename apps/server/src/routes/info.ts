/** `GET /info/` (signed server description) and `GET /healthcheck/`. */
import {
  type HealthcheckReply,
  PROTOCOL_VERSION,
  type ServerInfo,
  type SignedInfo,
} from '@ldap-login/protocol';
import { Hono } from 'hono';
import { effectiveServerSecretsMode } from '../accounts/server-secrets.ts';
import { pingDatabase } from '../db/migrations.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { ApiServices } from '../http/services.ts';

export function serverInfo(services: Pick<ApiServices, 'settings' | 'keys' | 'build'>): ServerInfo {
  const { settings, keys } = services;
  return {
    version: `${PROTOCOL_VERSION} (Build ${services.build})`,
    api: 1,
    // "EE" makes the official client run its job scheduler (services/job-scheduler.js), which hands
    // a group's keys to forced members; it changes nothing else in the client.
    type: 'EE',
    public_key: keys.publicKey,
    authentication_methods: settings.AUTHENTICATION_METHODS,
    web_client: settings.WEB_CLIENT_URL ?? '',
    log_audit: false,
    management: false,
    allow_registration: false,
    allow_lost_password: false,
    multifactor_enabled: false,
    ldap_domains: settings.LDAP.map((entry) => entry.LDAP_DOMAIN),
    compliance_server_secrets: effectiveServerSecretsMode(settings),
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
    // The last background probe: a frozen directory never holds this reply (see the monitor).
    const probe = await services.directoryHealth.current();
    const servers = probe?.servers ?? [];
    const directories = services.settings.LDAP.map((entry) => {
      const own = servers.filter((server) => server.domain === entry.LDAP_DOMAIN);
      return {
        domain: entry.LDAP_DOMAIN,
        healthy: own.some((server) => server.up),
        probed_at: probe === undefined ? null : new Date(probe.probedAt).toISOString(),
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
