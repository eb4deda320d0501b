import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDirectoryOrSkip, type TestDirectory } from '../testing/index.ts';
import { normalizeDn } from './dn.ts';

/**
 * normalizeDn against the directory's own DN matching: OpenLDAP is the judge of which spellings name
 * one entry. Each group below is added with its first spelling; every other spelling must find it
 * (base-scope search) and normalise to the same key, and the DNs the directory hands back (entry DN,
 * memberOf) must normalise to that key too.
 */

const SUITE = 'DN normalisation tests against OpenLDAP';

interface Case {
  /** The RDN as the group is added. */
  written: string;
  /** Other spellings of the same RDN. */
  same: string[];
  /** Spellings of a different RDN (not in the directory). */
  different: string[];
}

const CASES: Case[] = [
  {
    written: 'cn=Smith\\, John',
    same: [
      'CN=smith\\2C JOHN',
      'cn=Smith\\2c John',
      'cn = Smith\\, John ',
      '2.5.4.3=Smith\\, John',
      'cn="Smith, John"',
    ],
    different: ['cn=Smith', 'cn=Smith\\, Jon', 'sn=Smith\\, John'],
  },
  {
    written: 'cn=Back\\\\slash',
    same: ['cn=back\\5Cslash', 'CN=BACK\\5cSLASH'],
    different: ['cn=Backslash', 'cn=Back\\5C\\5Cslash'],
  },
  {
    written: 'cn=John  Smith',
    same: ['cn=John Smith', 'cn=john   smith', 'cn=John\\20\\20Smith'],
    different: ['cn=JohnSmith', 'cn=John Smith2'],
  },
  {
    written: 'cn=Zo\\C3\\AB',
    same: ['cn=Zoë', 'cn=ZOË', 'cn=zo\\c3\\ab', 'cn=ZO\\C3\\8B'],
    different: ['cn=Zoe'],
  },
  {
    written: 'cn=R&D \\"Labs\\" \\28Berlin\\29',
    same: ['cn=r&d \\22labs\\22 (berlin)', 'CN=R\\26D "LABS" (BERLIN)'.replace(/"/g, '\\"')],
    different: ['cn=R&D Labs (Berlin)'],
  },
  {
    written: 'cn=\\#hash',
    same: ['cn=\\23HASH', 'cn=\\#Hash'],
    different: ['cn=hash'],
  },
  {
    written: 'cn=Plus\\+Sign',
    same: ['cn=plus\\2Bsign', 'cn=PLUS\\2bSIGN'],
    different: ['cn=Plus+ou=Sign', 'cn=PlusSign'],
  },
  {
    written: 'cn=Multi+ou=Part',
    same: ['ou=part+CN=multi', 'OU=Part + cn=Multi', '2.5.4.11=PART+2.5.4.3=MULTI'],
    different: ['cn=Multi', 'cn=Multi+ou=Parts'],
  },
  {
    written: 'cn=\\ Leading',
    same: ['cn=Leading', 'cn=\\20leading'],
    different: ['cn=Lead ing'],
  },
  {
    written: 'cn=Trailing\\ ',
    same: ['cn=Trailing', 'cn=trailing\\20'],
    different: ['cn=Trailing2'],
  },
  {
    written: 'cn=Semi\\;Colon\\<\\>',
    same: ['cn=semi\\3bcolon\\3C\\3e'],
    different: ['cn=SemiColon'],
  },
];

let directory: TestDirectory | undefined;
let admin: Client;
let groupsDn: string;
let memberDn: string;

beforeAll(async () => {
  directory = await startDirectoryOrSkip({ dataset: 'openldap-memberof', largeGroupSize: 0 }, SUITE);
  if (!directory) return;
  admin = new Client({ url: directory.url });
  await admin.bind(directory.adminDn, directory.adminPassword);
  groupsDn = `ou=groups,${directory.baseDn}`;
  memberDn = directory.users.alice!.dn;
  for (const { written } of CASES) {
    await admin
      .add(`${written},${groupsDn}`, {
        objectClass: ['groupOfNames'],
        member: [memberDn],
      })
      .catch(async (error: unknown) => {
        throw new Error(`cannot add ${written}`, { cause: error });
      });
  }
});

afterAll(async () => {
  await admin?.unbind();
  await directory?.stop();
});

async function findByBase(dn: string): Promise<string | undefined> {
  try {
    const { searchEntries } = await admin.search(dn, { scope: 'base', attributes: ['1.1'] });
    return searchEntries[0]?.dn;
  } catch (error) {
    if ((error as { code?: number }).code === 32) return undefined; // noSuchObject
    throw error;
  }
}

describe('normalizeDn agrees with OpenLDAP', () => {
  it.each(CASES)('$written', async ({ written, same, different }) => {
    if (!directory) return;
    const key = normalizeDn(`${written},${groupsDn}`);
    const returned = await findByBase(`${written},${groupsDn}`);
    expect(returned, 'the entry as written').toBeDefined();
    expect(normalizeDn(returned!)).toBe(key);

    for (const spelling of same) {
      const dn = `${spelling},${groupsDn.toUpperCase()}`;
      expect(await findByBase(dn), `directory finds ${dn}`).toBeDefined();
      expect(normalizeDn(dn), `normalizeDn(${dn})`).toBe(key);
    }
    for (const spelling of different) {
      const dn = `${spelling},${groupsDn}`;
      expect(await findByBase(dn), `directory finds no ${dn}`).toBeUndefined();
      expect(normalizeDn(dn), `normalizeDn(${dn})`).not.toBe(key);
    }
  });

  it('normalises the memberOf values the directory returns to the keys of the groups as written', async () => {
    if (!directory) return;
    const { searchEntries } = await admin.search(memberDn, { scope: 'base', attributes: ['memberOf'] });
    const memberOf = [searchEntries[0]?.memberOf ?? []].flat().map((value) => normalizeDn(String(value)));
    for (const { written } of CASES) expect(memberOf).toContain(normalizeDn(`${written},${groupsDn}`));
  });
});
