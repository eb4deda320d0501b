/** The reference peer (Express + passport-ldapauth) in its own process, logged in to over HTTP. */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LdapEntry } from '@ldap-login/config-schema';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { type BenchUser, userFor } from '../bench-users.ts';
import { type RunningChild, startChild } from '../child-process.ts';
import type { HttpClient } from '../http-client.ts';
import type { PeerConfig } from '../peer/peer-config.ts';
import { directoryUrl } from './raw-target.ts';
import { type Target, TRANSPORTS } from './target.ts';

/** The peer answered something other than 200. */
export class PeerLoginError extends Error {
  override readonly name = 'PeerLoginError';
}

const PEER_SERVER = fileURLToPath(new URL('../peer/peer-server.ts', import.meta.url));
const BENCH_PACKAGE_DIR = dirname(dirname(dirname(PEER_SERVER)));

export function peerConfig(directory: TestDirectory, entry: LdapEntry): PeerConfig {
  const strategies = Object.fromEntries(
    TRANSPORTS.map((transport) => [
      transport,
      {
        url: directoryUrl(directory, transport),
        bindDN: directory.bindDn,
        bindCredentials: directory.bindPassword,
        searchBase: entry.LDAP_SEARCH_USER_DN,
        // ldapauth-fork escapes the username before it replaces {{username}}.
        searchFilter: `(&(objectClass=${entry.LDAP_OBJECT_CLASS_USER})(${entry.LDAP_ATTR_USERNAME}={{username}}))`,
        // The attributes the product reads, so that both fetch the same entry data.
        searchAttributes: [
          entry.LDAP_ATTR_GUID,
          entry.LDAP_ATTR_USERNAME,
          entry.LDAP_ATTR_EMAIL,
          entry.LDAP_ATTR_GROUPS,
        ],
        ...(transport === 'ldaps' ? { tlsOptions: { ca: [directory.caCert] } } : {}),
      },
    ]),
  ) as PeerConfig['strategies'];
  return { strategies };
}

export async function startPeerServer(
  directory: TestDirectory,
  entry: LdapEntry,
  workDir: string,
): Promise<RunningChild> {
  const configFile = join(workDir, 'peer.json');
  writeFileSync(configFile, JSON.stringify(peerConfig(directory, entry)), { mode: 0o600 });
  return startChild({
    label: 'the reference peer',
    nodeArgs: ['--import', 'tsx', PEER_SERVER, configFile],
    cwd: BENCH_PACKAGE_DIR,
    logFile: join(workDir, 'peer.log'),
    ready: /peer listening on (http:\/\/\S+)/,
  });
}

export function peerTarget(http: HttpClient, users: readonly BenchUser[]): Target {
  return {
    name: 'peer',
    async openCell(transport) {
      const path = `/login/${transport}`;
      return {
        async operation(_worker, sequence) {
          const user = userFor(users, sequence);
          const reply = await http.request(
            'POST',
            path,
            { 'Content-Type': 'application/json' },
            JSON.stringify({ username: user.login, password: user.password }),
          );
          if (reply.status !== 200) throw new PeerLoginError(`HTTP ${reply.status}`);
        },
        async close() {},
      };
    },
  };
}
