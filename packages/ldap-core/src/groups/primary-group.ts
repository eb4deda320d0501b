import type { Entry } from 'ldapts';
import { ResultCodeError } from 'ldapts';
import type { DirectoryConnection } from '../connection/connection.ts';
import { attributeStrings, attributeValues } from '../entries/attributes.ts';
import type { EntryPlan } from '../entries/entry-plan.ts';
import { toDirectoryError } from '../errors/error-mapping.ts';

/**
 * Active Directory's primary group (usually Domain Users): it is in neither `memberOf` nor the
 * group's `member`, only in the user's `primaryGroupID` (a RID in the user's own domain). Its SID
 * is the user's `objectSid` with the last part replaced by that RID; AD finds an entry by SID with
 * a base search on `<SID=S-1-5-...>`.
 */

/** `S-1-5-21-...` from the binary form (revision, count, 48-bit authority, little-endian parts). */
export function sidToString(bytes: Buffer): string | undefined {
  if (bytes.length < 8) return undefined;
  const count = bytes[1]!;
  if (bytes.length !== 8 + 4 * count) return undefined;
  const authority = bytes.readUIntBE(2, 6);
  const parts = Array.from({ length: count }, (_, index) => bytes.readUInt32LE(8 + 4 * index));
  return `S-${bytes[0]}-${authority}${parts.map((part) => `-${part}`).join('')}`;
}

/** The primary group's SID of a user entry, or undefined when the entry has no primaryGroupID. */
export function primaryGroupSid(userEntry: Entry): string | undefined {
  const rid = attributeStrings(userEntry, 'primaryGroupID')[0];
  const sid = attributeValues(userEntry, 'objectSid').find((value): value is Buffer =>
    Buffer.isBuffer(value),
  );
  if (rid === undefined || !/^\d+$/.test(rid) || sid === undefined) return undefined;
  const userSid = sidToString(sid);
  if (userSid === undefined) return undefined;
  return `${userSid.slice(0, userSid.lastIndexOf('-'))}-${rid}`;
}

/** How long a primary group's DN is remembered (a rename shows within this time). */
const CACHE_MS = 10 * 60_000;
const CACHE_LIMIT = 1_000;

/** Primary group DNs by SID, per directory entry. */
export class PrimaryGroups {
  private readonly cache = new Map<string, { dn: string | undefined; at: number }>();

  /** The DN of the group with `sid`, or undefined when the service account cannot see it. */
  async dnOf(connection: DirectoryConnection, plan: EntryPlan, sid: string): Promise<string | undefined> {
    const cached = this.cache.get(sid);
    if (cached !== undefined && Date.now() - cached.at < CACHE_MS) return cached.dn;
    const dn = await searchBySid(connection, plan, sid);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(sid, { dn, at: Date.now() });
    return dn;
  }
}

async function searchBySid(
  connection: DirectoryConnection,
  plan: EntryPlan,
  sid: string,
): Promise<string | undefined> {
  try {
    const { searchEntries } = await connection.client.search(`<SID=${sid}>`, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['1.1'],
      timeLimit: Math.ceil(plan.entry.LDAP_OPERATION_TIMEOUT),
    });
    return searchEntries[0]?.dn;
  } catch (error) {
    if (error instanceof ResultCodeError && (error.code === 32 || error.code === 50 || error.code === 34)) {
      return undefined;
    }
    throw toDirectoryError(error, {
      step: 'group-search',
      url: connection.url,
      dn: `<SID=${sid}>`,
      domain: plan.domain,
    });
  }
}
