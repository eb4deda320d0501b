import { X509Certificate } from 'node:crypto';
import { ResultCodeError } from 'ldapts';
import {
  type ConnectionSettings,
  type LdapTarget,
  loadCaCertificate,
  openConnection,
  parseLdapUrl,
  tlsOptionsFor,
} from '../connection/connection.ts';
import { isDirectoryError } from '../errors/errors.ts';
import {
  isVerificationFailure,
  probeTcp,
  probeTls,
  resolveHost,
  speaksTls,
  type TlsOutcome,
} from './network-probes.ts';
import { failed, type StepOutcome, type StepRecorder, skipped, success } from './step-recorder.ts';
import { listForMessage } from './suggestions.ts';
import type { LdapEntry } from './types.ts';

const STANDARD_PORTS = { plain: 389, secure: 636 } as const;

/** `host:port`, with an IPv6 address in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A URL the settings schema let through but that is no LDAP URL: the likely intended one. */
export function correctedLdapUrl(url: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)/i.exec(url.trim());
  if (!match) return url.includes('://') ? undefined : `ldap://${url.trim()}`;
  const scheme = match[1]!.toLowerCase();
  const secure = ['ldaps', 'https', 'tls', 'ssl'].includes(scheme);
  return `${secure ? 'ldaps' : 'ldap'}://${match[2]}`;
}

export type CaFile = { ok: true; pem: Buffer; subject: string } | { ok: false; message: string };

/** Reads `LDAP_CA_CERT_FILE` as a login does, then checks it holds a usable PEM certificate. */
export async function loadCaFile(path: string): Promise<CaFile> {
  let pem: Buffer | undefined;
  try {
    pem = await loadCaCertificate(path);
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    return { ok: false, message: `cannot read ${path} (${cause?.code ?? (error as Error).message})` };
  }
  if (!pem?.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) {
    return { ok: false, message: `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
  }
  let subject: string;
  try {
    // Node's TLS layer skips certificates it cannot parse without a word: parse the first one here.
    subject = new X509Certificate(pem).subject.replaceAll('\n', ', ');
  } catch (error) {
    return { ok: false, message: `${path} is not a valid PEM certificate (${(error as Error).message})` };
  }
  return { ok: true, pem, subject };
}

/** Does the port answer LDAP in clear text? Any LDAP answer to a root DSE read counts. */
async function speaksPlainLdap(target: LdapTarget, settings: ConnectionSettings): Promise<boolean> {
  let connection: Awaited<ReturnType<typeof openConnection>> | undefined;
  try {
    connection = await openConnection(`ldap://${hostPort(target.host, target.port)}`, {
      ...settings,
      startTls: false,
    });
    await connection.client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
    return true;
  } catch (error) {
    return error instanceof ResultCodeError;
  } finally {
    connection?.close();
  }
}

interface TransportContext {
  entry: LdapEntry;
  /** `LDAP[0].` */
  prefix: string;
  settings: ConnectionSettings;
  recorder: StepRecorder;
  ca: CaFile | undefined;
}

/**
 * The transport steps for one URL: parsed, host resolved, port reachable, TLS. When `hasFallback`,
 * a failure is recorded as skipped (the login would try the next URL) instead of as an error.
 * Returns the target when every step passed.
 */
export async function checkTransport(
  context: TransportContext,
  url: string,
  hasFallback: boolean,
): Promise<LdapTarget | undefined> {
  const { recorder, prefix, settings, entry, ca } = context;
  const setting = `${prefix}LDAP_URL`;
  let usable = true;
  const soften = (outcome: StepOutcome): StepOutcome => {
    if (outcome.status !== 'error') return outcome;
    usable = false;
    return hasFallback
      ? { ...outcome, status: 'skipped', message: `${outcome.message}; the next URL is tried` }
      : outcome;
  };

  let target: LdapTarget | undefined;
  await recorder.run('url', `URL ${url}`, () => {
    try {
      target = parseLdapUrl(url);
    } catch (error) {
      if (!isDirectoryError(error)) throw error;
      const suggestion = correctedLdapUrl(url);
      return soften(
        failed(`${url} is not an ldap:// or ldaps:// URL`, {
          setting,
          ...(suggestion ? { suggestion } : {}),
        }),
      );
    }
    const transport = target.secure ? 'TLS (ldaps)' : entry.LDAP_START_TLS ? 'StartTLS' : 'no encryption';
    return success(
      `${target.secure ? 'ldaps' : 'ldap'} to ${hostPort(target.host, target.port)}, ${transport}`,
      {
        ...(!target.secure && !entry.LDAP_START_TLS
          ? {
              hint: `passwords cross the network in clear text: use ldaps:// or set ${prefix}LDAP_START_TLS: True`,
            }
          : {}),
      },
    );
  });
  if (!usable || !target) return undefined;
  const { host, port, secure } = target;

  await recorder.run('host-resolve', `Host ${host} resolves`, async () => {
    const outcome = await resolveHost(host, settings.connectTimeoutMs);
    if (outcome.ok) return success(`${host} is ${listForMessage(outcome.addresses, 3)}`);
    return soften(
      failed(`${host} does not resolve (${outcome.code})`, {
        setting,
        hint: 'check the host name in LDAP_URL and the DNS servers of this machine',
      }),
    );
  });
  if (!usable) return undefined;

  await recorder.run('port-reachable', `Port ${hostPort(host, port)} reachable`, async () => {
    const outcome = await probeTcp(host, port, settings.connectTimeoutMs);
    if (outcome.ok) return success(`TCP connection to ${hostPort(host, port)} opened`);
    const other = secure ? STANDARD_PORTS.plain : STANDARD_PORTS.secure;
    const otherOpen = other !== port && (await probeTcp(host, other, settings.connectTimeoutMs)).ok;
    const reason =
      outcome.code === 'ECONNREFUSED'
        ? 'connection refused: nothing listens there'
        : outcome.code === 'TIMEOUT'
          ? `no answer within ${settings.connectTimeoutMs} ms (a firewall dropping packets, or the host is down)`
          : outcome.detail;
    return soften(
      failed(`${hostPort(host, port)}: ${reason}`, {
        setting,
        hint: otherOpen
          ? `port ${other} on the same host is open`
          : 'is the directory running, and is the port right (ldap: 389, ldaps: 636)?',
        ...(otherOpen ? { suggestion: `${secure ? 'ldap' : 'ldaps'}://${hostPort(host, other)}` } : {}),
      }),
    );
  });
  if (!usable) return undefined;

  await recorder.run('tls', secure ? 'TLS handshake and certificate' : 'TLS', async () => {
    if (!secure && !entry.LDAP_START_TLS) return skipped('ldap:// without StartTLS: no TLS to check');
    if (ca && !ca.ok) {
      return soften(
        failed(ca.message, {
          setting: `${prefix}LDAP_CA_CERT_FILE`,
          hint: 'the file must be readable by this process and hold the PEM certificate of the CA that signed the directory certificate',
        }),
      );
    }
    if (!secure) return skipped('StartTLS runs inside the LDAP session: it is checked with the service bind');
    const outcome = await probeTls(host, port, tlsOptionsFor(host, settings), settings.connectTimeoutMs);
    if (outcome.ok) {
      const names = outcome.certificate
        ? `, certificate for ${listForMessage(outcome.certificate.names, 3)}`
        : '';
      const verified = settings.verifyCertificate ? ', verified' : ', NOT verified (LDAP_TLS_VERIFY: False)';
      return success(`${outcome.protocol}${names}${verified}`);
    }
    return soften(await explainTlsFailure(context, target!, outcome));
  });
  return usable ? target : undefined;
}

async function explainTlsFailure(
  context: TransportContext,
  target: LdapTarget,
  outcome: TlsOutcome & { ok: false },
): Promise<StepOutcome> {
  const { prefix, settings, ca } = context;
  const certificate = outcome.certificate;
  if (outcome.code === 'ERR_TLS_CERT_ALTNAME_INVALID' && certificate) {
    const name = certificate.names.find((candidate) => !candidate.includes('*')) ?? certificate.names[0];
    return failed(
      `the certificate is not valid for ${target.host}: it names ${listForMessage(certificate.names, 4)}`,
      {
        setting: `${prefix}LDAP_URL`,
        hint: 'connect by a name the certificate carries',
        ...(name ? { suggestion: `ldaps://${hostPort(name, target.port)}` } : {}),
      },
    );
  }
  if (isVerificationFailure(outcome.code)) {
    const issuer = certificate ? ` issued by "${certificate.issuer}"` : '';
    return failed(`the directory's certificate${issuer} is not trusted (${outcome.code})`, {
      setting: `${prefix}LDAP_CA_CERT_FILE`,
      hint: ca?.ok
        ? `${prefix}LDAP_CA_CERT_FILE holds "${ca.subject}", not the CA that signed this certificate`
        : 'the system CAs do not trust it: set LDAP_CA_CERT_FILE to the PEM file of the CA that signed it',
      suggestion: certificate
        ? `a PEM file with the CA "${certificate.issuer}"`
        : 'the PEM file of the directory CA',
    });
  }
  // No TLS answer at all: the port may speak plain LDAP (an ldaps:// URL on port 389).
  if (await speaksPlainLdap(target, settings)) {
    const ldapsOpen =
      target.port === STANDARD_PORTS.plain &&
      (await speaksTls(target.host, STANDARD_PORTS.secure, settings.connectTimeoutMs));
    return failed(`${hostPort(target.host, target.port)} speaks plain LDAP, not TLS (${outcome.code})`, {
      setting: `${prefix}LDAP_URL`,
      hint: ldapsOpen
        ? `the wrong URL scheme or port: ldaps answers on port ${STANDARD_PORTS.secure}`
        : `the wrong URL scheme: use ldap:// (with ${prefix}LDAP_START_TLS: True to encrypt)`,
      suggestion: ldapsOpen
        ? `ldaps://${hostPort(target.host, STANDARD_PORTS.secure)}`
        : `ldap://${hostPort(target.host, target.port)}`,
    });
  }
  return failed(`TLS handshake with ${hostPort(target.host, target.port)} failed: ${outcome.detail}`, {
    setting: `${prefix}LDAP_URL`,
  });
}

/**
 * After an LDAP operation on an `ldap://` URL broke the connection: does the port speak TLS? Then
 * the URL names an ldaps port with the plain scheme.
 */
export async function tlsWhereLdapExpected(target: LdapTarget, timeoutMs: number): Promise<boolean> {
  return !target.secure && (await speaksTls(target.host, target.port, timeoutMs));
}
