import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';

/**
 * Low-level checks that a login never makes on its own: does the name resolve, does the port
 * accept TCP, does it speak TLS. They let testldap tell "host unknown" from "port closed" from
 * "wrong scheme" instead of one opaque connection error.
 */

interface ProbeFailure {
  ok: false;
  /** Node's error code (`ENOTFOUND`, `ECONNREFUSED`, `SELF_SIGNED_CERT_IN_CHAIN`, ...) or `TIMEOUT`. */
  code: string;
  detail: string;
}

type ResolveOutcome = { ok: true; addresses: string[] } | ProbeFailure;

function failure(error: unknown): ProbeFailure {
  const code = (error as NodeJS.ErrnoException)?.code ?? 'UNKNOWN';
  return { ok: false, code, detail: error instanceof Error ? error.message : String(error) };
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), timeoutMs);
  });
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
}

const timedOut = (timeoutMs: number): ProbeFailure => ({
  ok: false,
  code: 'TIMEOUT',
  detail: `no answer within ${timeoutMs} ms`,
});

/** Resolves a host name (IP literals resolve to themselves) the way `net.connect` will. */
export function resolveHost(host: string, timeoutMs: number): Promise<ResolveOutcome> {
  const work = lookup(host, { all: true, verbatim: true }).then(
    (records): ResolveOutcome => ({ ok: true, addresses: records.map((record) => record.address) }),
    failure,
  );
  return withTimeout(work, timeoutMs, () => timedOut(timeoutMs));
}

type TcpOutcome = { ok: true } | ProbeFailure;

/** Opens and closes a TCP connection. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<TcpOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (outcome: TcpOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => finish(timedOut(timeoutMs)));
    socket.once('connect', () => finish({ ok: true }));
    socket.once('error', (error) => finish(failure(error)));
  });
}

interface CertificateSummary {
  subject: string;
  issuer: string;
  /** DNS names and addresses the certificate is valid for. */
  names: string[];
  validTo: string;
}

export type TlsOutcome =
  | { ok: true; protocol: string; certificate?: CertificateSummary }
  | (ProbeFailure & { certificate?: CertificateSummary });

/** Who issued a peer certificate and which names it carries (its CN when it has no subjectAltName). */
export function summarise(certificate: tls.PeerCertificate | undefined): CertificateSummary | undefined {
  if (!certificate || Object.keys(certificate).length === 0) return undefined;
  const dn = (fields: tls.Certificate | undefined) =>
    Object.entries(fields ?? {})
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
      .join(', ');
  const altNames = (certificate.subjectaltname ?? '')
    .split(',')
    .map((name) => name.trim().replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  // Without a subjectAltName (Samba's own certificate) TLS clients match the host against the CN.
  const commonName = certificate.subject?.CN;
  const cn = Array.isArray(commonName) ? commonName : commonName ? [commonName] : [];
  const names = altNames.length > 0 ? altNames : cn;
  return {
    subject: dn(certificate.subject),
    issuer: dn(certificate.issuer),
    names,
    validTo: certificate.valid_to,
  };
}

function tlsHandshake(socket: tls.TLSSocket, timeoutMs: number): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const finish = (outcome: TlsOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => finish(timedOut(timeoutMs)));
    socket.once('secureConnect', () =>
      finish({
        ok: true,
        protocol: socket.getProtocol() ?? 'TLS',
        ...optional('certificate', summarise(socket.getPeerCertificate())),
      }),
    );
    socket.once('error', (error) => finish(failure(error)));
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * A TLS handshake on a fresh TCP connection (ldaps), with the options a login uses. On a
 * verification failure the certificate is fetched again without verification, so the message can
 * say who issued it and for which names.
 */
export async function probeTls(
  host: string,
  port: number,
  options: tls.ConnectionOptions,
  timeoutMs: number,
): Promise<TlsOutcome> {
  const outcome = await tlsHandshake(tls.connect({ ...options, host, port }), timeoutMs);
  if (outcome.ok || options.rejectUnauthorized === false || !isVerificationFailure(outcome.code))
    return outcome;
  const unverified = await tlsHandshake(
    tls.connect({ ...options, host, port, rejectUnauthorized: false }),
    timeoutMs,
  );
  return unverified.ok && unverified.certificate
    ? { ...outcome, certificate: unverified.certificate }
    : outcome;
}

/** Node's codes for a certificate that does not chain to a trusted CA or does not name the host. */
export function isVerificationFailure(code: string): boolean {
  return (
    code.includes('CERT') ||
    code.includes('SELF_SIGNED') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
  );
}

/**
 * Does the port answer a TLS ClientHello? Tells an `ldap://` URL pointed at an ldaps port (the
 * handshake completes) from a server that simply does not answer.
 */
export async function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const outcome = await probeTls(host, port, { rejectUnauthorized: false }, timeoutMs);
  return outcome.ok;
}
