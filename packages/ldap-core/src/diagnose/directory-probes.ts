import type { Entry } from 'ldapts';
import type { DirectoryReader } from './directory-reader.ts';
import { ancestorDns, commonContainer } from './suggestions.ts';

/**
 * Questions the diagnosis asks the directory when a setting does not fit: where is the nearest
 * entry that exists, what lies under it, where do the users live. Every search is bounded.
 */

/** Entries read to describe a subtree; enough to see its shape, never the whole directory. */
export const SAMPLE_SIZE = 200;

/** Object classes that mark an entry as a person in the common schemas. */
export const PERSON_FILTER =
  '(|(objectClass=user)(objectClass=inetOrgPerson)(objectClass=posixAccount)(objectClass=person)(objectClass=account))';

/** Object classes of groups in the common schemas. */
export const GROUP_FILTER =
  '(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))';

/** The suffixes the server holds (`namingContexts` of the root DSE); empty when it does not say. */
export async function namingContexts(reader: DirectoryReader): Promise<string[]> {
  try {
    const [root] = await reader.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['namingContexts'],
    });
    const value = root?.namingContexts;
    if (value === undefined) return [];
    return (Array.isArray(value) ? value : [value]).map(String).filter((dn) => dn !== '');
  } catch {
    // Some servers hide the root DSE from the service account; the caller then knows less, nothing more.
    return [];
  }
}

export interface NearestEntry {
  /** The nearest DN above the missing one that exists, if any does. */
  dn?: string;
  /** Its children (or, when nothing above exists, the server's naming contexts). */
  children: string[];
}

/** Walks up from a DN that does not exist to the first ancestor that does, and lists what it holds. */
export async function nearestExistingEntry(
  reader: DirectoryReader,
  missingDn: string,
): Promise<NearestEntry> {
  for (const ancestor of ancestorDns(missingDn)) {
    if (await reader.exists(ancestor)) {
      return { dn: ancestor, children: await childrenOf(reader, ancestor) };
    }
  }
  return { children: await namingContexts(reader) };
}

async function childrenOf(reader: DirectoryReader, dn: string): Promise<string[]> {
  const entries = await reader.search(dn, {
    scope: 'one',
    filter: '(objectClass=*)',
    attributes: ['1.1'],
    sizeLimit: SAMPLE_SIZE,
  });
  return entries.map((entry) => entry.dn);
}

/**
 * The deepest DN above every entry that matches the first of `filters` that matches anything
 * under `root`: where the users (or groups) of a directory live.
 */
export async function containerOf(
  reader: DirectoryReader,
  root: string,
  filters: string[],
): Promise<string | undefined> {
  for (const filter of filters) {
    let entries: Entry[];
    try {
      entries = await reader.search(root, {
        scope: 'sub',
        filter,
        attributes: ['1.1'],
        sizeLimit: SAMPLE_SIZE,
      });
    } catch {
      // A class the schema does not know makes a filter fail on some servers; the next one still tells.
      continue;
    }
    if (entries.length === 0) continue;
    const dns = entries.map((entry) => entry.dn);
    return dns.length === 1 ? ancestorDns(dns[0]!)[0] : commonContainer(dns);
  }
  return undefined;
}
