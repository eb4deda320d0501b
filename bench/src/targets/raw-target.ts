/**
 * The raw limit: what the directory itself can do for a login, with nothing in between. Each worker
 * owns two reused connections (one bound as the service account for the search, one for the user
 * binds), so no connection or TLS handshake is paid per login, and no HTTP or crypto either. The
 * search asks for the same attributes from the same base with the same filter as the product.
 */
import type { LdapEntry } from '@ldap-login/config-schema';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { AndFilter, Client, EqualityFilter } from 'ldapts';
import { type BenchUser, userFor } from '../bench-users.ts';
import type { Cell, Target, Transport } from './target.ts';

/** The search found no entry or several: the user list and the directory disagree. */
export class RawLoginError extends Error {
  override readonly name = 'RawLoginError';
}

export function directoryUrl(directory: TestDirectory, transport: Transport): string {
  return transport === 'ldaps' ? directory.ldapsUrl : directory.url;
}

function newClient(directory: TestDirectory, transport: Transport): Client {
  return new Client({
    url: directoryUrl(directory, transport),
    // ldapts mutates the options it is given: a fresh object per client.
    ...(transport === 'ldaps' ? { tlsOptions: { ca: [directory.caCert] } } : {}),
  });
}

export function rawTarget(directory: TestDirectory, entry: LdapEntry, users: readonly BenchUser[]): Target {
  const attributes = [
    entry.LDAP_ATTR_GUID,
    entry.LDAP_ATTR_USERNAME,
    entry.LDAP_ATTR_EMAIL,
    entry.LDAP_ATTR_GROUPS,
  ];
  return {
    name: 'raw',
    async openCell(transport: Transport, concurrency: number): Promise<Cell> {
      const searchers: Client[] = [];
      const binders: Client[] = [];
      try {
        for (let index = 0; index < concurrency; index++) {
          const searcher = newClient(directory, transport);
          searchers.push(searcher);
          await searcher.bind(directory.bindDn, directory.bindPassword);
          binders.push(newClient(directory, transport));
        }
      } catch (error) {
        await Promise.allSettled([...searchers, ...binders].map((client) => client.unbind()));
        throw error;
      }
      return {
        async operation(worker, sequence) {
          const user = userFor(users, sequence);
          const { searchEntries } = await searchers[worker]!.search(entry.LDAP_SEARCH_USER_DN, {
            scope: 'sub',
            filter: new AndFilter({
              filters: [
                new EqualityFilter({ attribute: 'objectClass', value: entry.LDAP_OBJECT_CLASS_USER }),
                new EqualityFilter({ attribute: entry.LDAP_ATTR_USERNAME, value: user.login }),
              ],
            }),
            attributes,
            sizeLimit: 2,
          });
          if (searchEntries.length !== 1) {
            throw new RawLoginError(`search for ${user.login} found ${searchEntries.length} entries`);
          }
          await binders[worker]!.bind(searchEntries[0]!.dn, user.password);
        },
        async close() {
          await Promise.allSettled([...searchers, ...binders].map((client) => client.unbind()));
        },
      };
    },
  };
}
