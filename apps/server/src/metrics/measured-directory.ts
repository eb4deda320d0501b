/**
 * Directory latency and directory-side errors for the metrics, recorded around any `LoginDirectory`
 * so that ldap-core stays free of them. A user's wrong password or missing group is an outcome of
 * the login, not an error of the directory: only unavailable and misconfigured count as errors.
 */
import { DirectoryError } from '@ldap-login/ldap-core';
import type { LoginDirectory } from '../accounts/directory-port.ts';
import type { ServerMetrics } from './server-metrics.ts';

const DIRECTORY_SIDE_ERRORS = new Set(['DIRECTORY_UNAVAILABLE', 'DIRECTORY_MISCONFIGURED']);

export function measuredDirectory(
  directory: LoginDirectory,
  metrics: ServerMetrics,
  domains: string[],
): LoginDirectory {
  const known = new Set(domains.map((domain) => domain.toLowerCase()));
  // Labels come from the configuration only, never from what a client typed.
  const domainLabel = (name: string | undefined) => {
    const domain = name?.toLowerCase();
    if (domain && known.has(domain)) return domain;
    return known.size === 1 ? [...known][0]! : 'unknown';
  };
  const measure = async <T>(domain: string, operation: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } catch (error) {
      if (error instanceof DirectoryError && DIRECTORY_SIDE_ERRORS.has(error.code)) {
        metrics.directoryError(domainLabel(error.domain ?? domain), error.code);
      }
      throw error;
    } finally {
      metrics.directoryRequest(domain, operation, (performance.now() - started) / 1000);
    }
  };
  return {
    authenticate: (username, password) => {
      const at = username.lastIndexOf('@');
      const domain = domainLabel(at < 0 ? undefined : username.slice(at + 1));
      return measure(domain, 'authenticate', () => directory.authenticate(username, password));
    },
    listGroups: (domain) => measure(domainLabel(domain), 'list_groups', () => directory.listGroups(domain)),
    recheckUser: (domain, guid) =>
      measure(domainLabel(domain), 'recheck_user', () => directory.recheckUser(domain, guid)),
    health: () => directory.health(),
    close: () => directory.close(),
    ...(directory.poolStats ? { poolStats: () => directory.poolStats!() } : {}),
  };
}
