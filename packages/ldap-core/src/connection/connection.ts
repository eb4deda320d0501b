import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { LdapEntry } from '@ldap-login/config-schema';
import { Client } from 'ldapts';
import { toDirectoryError } from '../errors/error-mapping.ts';
import { DirectoryMisconfiguredError, DirectoryUnavailableError } from '../errors/errors.ts';

/**
 * Opening one connection to one directory URL: TCP (or TLS for `ldaps://`), StartTLS when asked,
 * each with a deadline, and the service bind.
 *
 * The socket is dialled here and handed to ldapts already connected, through a factory that works
 * exactly once. ldapts would otherwise reconnect by itself after the server closed an idle
 * connection and run the next search unauthenticated (an anonymous search finds fewer entries and
 * would turn into a wrong "user not found"). With the one-shot factory a dropped connection fails
 * fast instead, and the pool replaces it with a freshly bound one.
 */

export interface LdapTarget {
  url: string;
  host: string;
  port: number;
  /** `ldaps://`: TLS from the first byte. */
  secure: boolean;
}

/** Host, port and transport of an `ldap://` or `ldaps://` URL (default ports 389 and 636). */
export function parseLdapUrl(url: string): LdapTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DirectoryMisconfiguredError('invalid-url', { detail: `not a URL: ${url}` });
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'ldap' && scheme !== 'ldaps') {
    throw new DirectoryMisconfiguredError('invalid-url', {
      detail: `not an ldap:// or ldaps:// URL: ${url}`,
    });
  }
  const secure = scheme === 'ldaps';
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = parsed.port ? Number(parsed.port) : secure ? 636 : 389;
  return { url, host, port, secure };
}

/** What every connection of one directory entry needs, resolved once from its settings. */
export interface ConnectionSettings {
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  startTls: boolean;
  verifyCertificate: boolean;
  /** PEM CA certificates from `LDAP_CA_CERT_FILE`; system CAs when absent. */
  ca: Buffer | undefined;
}

/** Reads `LDAP_CA_CERT_FILE`; a missing or unreadable file is a misconfiguration. */
export async function loadCaCertificate(
  path: string | undefined,
  domain?: string,
): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (error) {
    throw new DirectoryMisconfiguredError('ca-file-unreadable', {
      detail: `LDAP_CA_CERT_FILE ${path}: ${(error as Error).message}`,
      domain,
      cause: error,
    });
  }
}

/** Connection settings of an entry (timeouts in the settings are seconds). */
export async function resolveConnectionSettings(entry: LdapEntry): Promise<ConnectionSettings> {
  return {
    connectTimeoutMs: entry.LDAP_CONNECT_TIMEOUT * 1000,
    operationTimeoutMs: entry.LDAP_OPERATION_TIMEOUT * 1000,
    startTls: entry.LDAP_START_TLS,
    verifyCertificate: entry.LDAP_TLS_VERIFY,
    ca: await loadCaCertificate(entry.LDAP_CA_CERT_FILE, entry.LDAP_DOMAIN),
  };
}

/**
 * TLS options for one connection. A fresh object each time: ldapts and `tls.connect` mutate it.
 * The server name is sent (SNI) and checked unless the host is an IP address.
 */
export function tlsOptionsFor(host: string, settings: ConnectionSettings): tls.ConnectionOptions {
  return {
    host,
    servername: net.isIP(host) ? undefined : host,
    ca: settings.ca,
    rejectUnauthorized: settings.verifyCertificate,
    minVersion: 'TLSv1.2',
  };
}

const KEEP_ALIVE_DELAY_MS = 30_000;

/** Dials TCP (or TLS for `ldaps://`) within the connect timeout. */
function dialSocket(target: LdapTarget, settings: ConnectionSettings): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = target.secure
      ? tls.connect({ port: target.port, ...tlsOptionsFor(target.host, settings) })
      : net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new DirectoryUnavailableError('timeout', {
          detail: `connect ${target.url}: no ${target.secure ? 'TLS ' : ''}connection within ${settings.connectTimeoutMs} ms`,
        }),
      );
    }, settings.connectTimeoutMs);
    const onError = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(toDirectoryError(error, { step: 'connect', url: target.url }));
    };
    socket.once('error', onError);
    socket.once(target.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      // Until ldapts adopts the socket (its first request), a late error must not crash the process;
      // the destroyed socket is then refused by the one-shot factory below.
      socket.on('error', () => socket.destroy());
      socket.setNoDelay(true);
      // Keep-alive probes keep firewall and NAT state of idle pooled connections alive, and let the
      // kernel notice a peer that vanished without a reset.
      socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
      resolve(socket);
    });
  });
}

/** A connection factory for ldapts that hands over `socket` once and refuses to reconnect. */
function oneShotFactory<T extends net.Socket>(
  socket: T,
  url: string,
): { factory: () => T; adopted: () => boolean } {
  let used = false;
  const factory = () => {
    if (used || socket.destroyed) {
      throw new DirectoryUnavailableError('connection-lost', { detail: `${url}: connection lost` });
    }
    used = true;
    return socket;
  };
  return { factory, adopted: () => used };
}

/**
 * One open connection to one URL: the ldapts client, and who it is bound as. Pools look at
 * `alive` and `boundAs` before handing a connection out again.
 */
export class DirectoryConnection {
  readonly client: Client;
  readonly url: string;
  /** Who the last successful bind authenticated: nobody yet, the service account, or a user. */
  boundAs: 'nobody' | 'service' | 'user' = 'nobody';
  private readonly socket: net.Socket;
  private readonly adopted: () => boolean;
  private readonly upgraded: () => tls.TLSSocket | undefined;

  constructor(
    client: Client,
    url: string,
    sockets: { socket: net.Socket; adopted: () => boolean; upgraded: () => tls.TLSSocket | undefined },
  ) {
    this.client = client;
    this.url = url;
    this.socket = sockets.socket;
    this.adopted = sockets.adopted;
    this.upgraded = sockets.upgraded;
  }

  /** False once the server or the network closed the connection (or a timeout made us drop it). */
  get alive(): boolean {
    if (!this.adopted()) return !this.socket.destroyed;
    const upgraded = this.upgraded();
    return this.client.isConnected && (upgraded === undefined || !upgraded.destroyed);
  }

  /** Ends the connection without waiting for the server; never throws. */
  close(): void {
    if (!this.adopted()) {
      this.socket.destroy();
      return;
    }
    this.client.unbind().catch(() => {
      // The connection is being discarded; a failed goodbye changes nothing.
    });
  }
}

/** Rejects with a timeout when `work` takes longer than `ms`, after calling `onTimeout`. */
async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens an unauthenticated connection to `url`: dial, then StartTLS on `ldap://` when the entry
 * asks for it. Errors are `DirectoryError`s (unavailable for network trouble, misconfigured for TLS).
 */
export async function openConnection(
  url: string,
  settings: ConnectionSettings,
): Promise<DirectoryConnection> {
  const target = parseLdapUrl(url);
  const socket = await dialSocket(target, settings);
  const { factory, adopted } = oneShotFactory(socket, url);
  let upgraded: tls.TLSSocket | undefined;
  // ldapts watches only the plain socket for a close: after StartTLS, a connection closed by the
  // server would look open and the next request would wait for its timeout. Closing the plain
  // socket with the TLS one lets ldapts fail pending requests at once, and `alive` watch both.
  const upgradeStartTls = (options: tls.ConnectionOptions) => {
    upgraded = tls.connect(options);
    upgraded.once('close', () => socket.destroy());
    return upgraded;
  };
  const client = new Client({
    url,
    timeout: settings.operationTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    ...(target.secure
      ? { createSecureConnection: factory as unknown as typeof tls.connect }
      : {
          createConnection: factory as unknown as typeof net.connect,
          createSecureConnection: upgradeStartTls as typeof tls.connect,
        }),
  });
  if (settings.startTls && !target.secure) {
    try {
      await withDeadline(
        client.startTLS(tlsOptionsFor(target.host, settings)),
        settings.connectTimeoutMs + settings.operationTimeoutMs,
        () =>
          new DirectoryUnavailableError('timeout', {
            detail: `start-tls ${url}: no TLS session within ${settings.connectTimeoutMs + settings.operationTimeoutMs} ms`,
          }),
      );
    } catch (error) {
      socket.destroy();
      throw toDirectoryError(error, { step: 'start-tls', url });
    }
  }
  return new DirectoryConnection(client, url, { socket, adopted, upgraded: () => upgraded });
}

/** Binds the connection as the entry's service account (`LDAP_BIND_DN` / `LDAP_BIND_PASS`). */
export async function bindAsService(connection: DirectoryConnection, entry: LdapEntry): Promise<void> {
  connection.boundAs = 'nobody';
  try {
    await connection.client.bind(entry.LDAP_BIND_DN, entry.LDAP_BIND_PASS);
  } catch (error) {
    throw toDirectoryError(error, {
      step: 'service-bind',
      url: connection.url,
      dn: entry.LDAP_BIND_DN,
      domain: entry.LDAP_DOMAIN,
    });
  }
  connection.boundAs = 'service';
}

/** Opens a connection to `url` and binds it as the service account (service pool, health checks). */
export async function openServiceConnection(
  url: string,
  entry: LdapEntry,
  settings: ConnectionSettings,
): Promise<DirectoryConnection> {
  const connection = await openConnection(url, settings);
  try {
    await bindAsService(connection, entry);
  } catch (error) {
    connection.close();
    throw error;
  }
  return connection;
}
