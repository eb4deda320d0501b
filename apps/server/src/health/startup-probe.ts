/**
 * `serve` probes every directory once at start and logs what it found, one JSON line per URL and
 * per domain: never fatal (a directory may come up after the server), but the administrator sees
 * a wrong CA file, service account or URL at start instead of at the first login, and whether the
 * login throttle stays below Active Directory's lockout threshold.
 */
import type { Settings } from '@ldap-login/config-schema';
import type { Logger } from 'pino';
import type { LoginDirectory } from '../accounts/directory-port.ts';

/** What to look at for each failure reason of `health()`. */
const HINTS: Record<string, string> = {
  'tls-certificate-rejected':
    'the certificate is not trusted or does not name the host: check LDAP_CA_CERT_FILE and the host name in LDAP_URL',
  'tls-handshake-failed':
    'no TLS on that port: check the scheme and port of LDAP_URL (ldaps: 636) and LDAP_START_TLS',
  'start-tls-refused': 'the server offers no StartTLS: use an ldaps:// URL or LDAP_START_TLS: False',
  'tls-required': 'the directory wants an encrypted connection: an ldaps:// URL or LDAP_START_TLS: True',
  'ca-file-unreadable': 'LDAP_CA_CERT_FILE cannot be read by the server',
  'service-bind-refused':
    'the directory refused LDAP_BIND_DN / LDAP_BIND_PASS (Active Directory cannot tell a wrong DN from a wrong password)',
  unreachable: 'nothing answers: check the host and port of LDAP_URL and the network',
  timeout: 'no answer in time: check LDAP_URL, the firewall, or raise LDAP_CONNECT_TIMEOUT',
};

export async function probeDirectoriesAtStart(
  directory: LoginDirectory,
  settings: Settings,
  logger: Logger,
): Promise<void> {
  const log = logger.child({ component: 'directory-probe' });
  const usernameLimit = settings.LOGIN_THROTTLE_USERNAME_FAILURES;
  let healths: Awaited<ReturnType<LoginDirectory['health']>>;
  try {
    healths = await directory.health();
  } catch (error) {
    log.warn({ err: error }, 'directory probe at start failed');
    return;
  }
  for (const health of healths) {
    const fields = { domain: health.domain, url: health.url, up: health.up, latencyMs: health.latencyMs };
    if (health.up) {
      log.info(fields, 'directory probe at start');
    } else {
      const hint = `${HINTS[health.error ?? ''] ?? 'see the log above'}; run \`manage testldap <user> -\` for the failing step`;
      log.warn({ ...fields, error: health.error, detail: health.detail, hint }, 'directory probe at start');
    }
  }
  if (!directory.domainLockoutPolicy) return;
  for (const domain of new Set(healths.filter((health) => health.up).map((health) => health.domain))) {
    try {
      const policy = await directory.domainLockoutPolicy(domain);
      if (policy === undefined) continue;
      if (policy === 'unreadable') {
        log.warn(
          {
            domain,
            usernameFailureLimit: usernameLimit,
            hint: "the service account cannot read the domain's lockoutThreshold: keep LOGIN_THROTTLE_USERNAME_FAILURES below it yourself (ask the directory's administrator for the threshold)",
          },
          'directory lockout threshold cannot be read',
        );
        continue;
      }
      if (policy.threshold > 0 && usernameLimit >= policy.threshold) {
        log.warn(
          {
            domain,
            lockoutThreshold: policy.threshold,
            usernameFailureLimit: usernameLimit,
            hint: `set LOGIN_THROTTLE_USERNAME_FAILURES to ${Math.max(1, policy.threshold - 1)} or less; until then a bind that would lock an account is not sent`,
          },
          'LOGIN_THROTTLE_USERNAME_FAILURES does not stay below the lockout threshold',
        );
      } else {
        log.info(
          { domain, lockoutThreshold: policy.threshold, usernameFailureLimit: usernameLimit },
          'directory lockout threshold',
        );
      }
    } catch (error) {
      log.info({ domain, err: error }, 'directory lockout threshold cannot be read');
    }
  }
}
