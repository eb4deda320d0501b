import { createHash } from 'node:crypto';
import {
  LDAP_PRESETS,
  type LdapEntryInput,
  type LdapPreset,
  type LdapPresetName,
} from '@ldap-login/config-schema';

/**
 * The catalog of the test directory's datasets: who is in them, with which password, in which groups.
 *
 * This file is the one source of the hand-written entries: `write-datasets.ts` renders it into the
 * LDIF and settings files under the OpenLDAP image's directory (used by the container and by the
 * native slapd alike), and a test fails when those files drift from it. DATASETS.md describes it
 * for people.
 */

export type DatasetName = 'openldap-memberof' | 'openldap-posix' | 'ad-like';
export const DATASET_NAMES: readonly DatasetName[] = ['openldap-memberof', 'openldap-posix', 'ad-like'];

/** How groups are stored: groupOfNames + memberOf overlay, posixGroup + memberUid, or AD's user/group. */
type DatasetFlavor = 'memberof' | 'posix' | 'ad';

export interface DirectoryUser {
  /** The key of this user in `users`. */
  key: string;
  dn: string;
  /** The value of the login attribute (uid, or sAMAccountName in ad-like). */
  login: string;
  password: string;
  mail?: string;
  /** DNs of the groups that list this user directly (for posix: whose memberUid holds the login). */
  groups: string[];
  /** `groups` plus every group that contains one of them (differs only where groups nest: ad-like). */
  allGroups: string[];
  /** Marked disabled by the dataset's disabled attribute (see `DatasetDefinition.disabledFilter`). */
  disabled: boolean;
  /** ad-like only: the 16 raw bytes of objectGUID. */
  objectGuid?: Buffer;
  /** Tests may rename, move, regroup and change the password of this user. */
  mutable: boolean;
  /** What is awkward about this entry. */
  note: string;
}

export interface DirectoryGroup {
  key: string;
  dn: string;
  /** The group's cn. */
  name: string;
  /** DNs of the users listed directly. */
  memberDns: string[];
  /** DNs of groups listed as members (nested groups). */
  memberGroupDns: string[];
  /** posix only: the memberUid values. */
  memberUids?: string[];
  /** ad-like only: the 16 raw bytes of objectGUID. */
  objectGuid?: Buffer;
}

export interface DatasetDefinition {
  name: DatasetName;
  flavor: DatasetFlavor;
  baseDn: string;
  /** The LDAP_DOMAIN of this dataset (users log in as `login@domain`). */
  domain: string;
  peopleDn: string;
  groupsDn: string;
  bindDn: string;
  bindPassword: string;
  /** A filter that matches the users who may log in (excludes the disabled one). */
  enabledFilter: string;
  /** A filter that matches the disabled user(s). */
  disabledFilter: string;
  /** LDAP_* settings describing this dataset, apart from the URL and the CA file. */
  settings: Omit<LdapEntryInput, 'LDAP_URL'>;
}

/** The users that the start script generates: members of the large group, and extra users on request. */
export const GENERATED = {
  member: {
    ou: 'bulk',
    prefix: 'member',
    label: 'Member',
    password: 'Member-Passw0rd!',
    groupName: 'large-group',
    size: 2000,
  },
  extra: { ou: 'extra', prefix: 'user', label: 'User', password: 'Extra-Passw0rd!', groupPrefix: 'group' },
} as const;

interface PersonSpec {
  key: string;
  login: string;
  cn: string;
  givenName: string;
  sn: string;
  /** OpenLDAP datasets name most users by uid; these are named by cn (AD always uses CN). */
  rdn: 'uid' | 'cn';
  /** A sub-OU of the people OU. */
  ou?: string;
  password: string;
  /** Local part; the dataset's domain is appended. Absent: the entry has no mail. */
  mail?: string;
  mailDomain?: string;
  groups: string[];
  disabled?: boolean;
  mutable?: boolean;
  guid?: Buffer;
  note: string;
}

const PEOPLE: PersonSpec[] = [
  {
    key: 'alice',
    login: 'alice',
    cn: 'Alice Anderson',
    givenName: 'Alice',
    sn: 'Anderson',
    rdn: 'uid',
    password: 'Alice-Passw0rd',
    mail: 'alice',
    groups: ['staff', 'developers'],
    mutable: true,
    note: 'plain user, free to change',
  },
  {
    key: 'bob',
    login: 'bob',
    cn: 'Bob Brown',
    givenName: 'Bob',
    sn: 'Brown',
    rdn: 'uid',
    password: 'Bob-Passw0rd',
    mail: 'bob',
    groups: ['staff', 'admins'],
    mutable: true,
    note: 'plain user, free to change',
  },
  {
    key: 'carol',
    login: 'carol',
    cn: 'Carol Clark',
    givenName: 'Carol',
    sn: 'Clark',
    rdn: 'uid',
    password: 'Carol-Passw0rd',
    mail: 'carol',
    groups: ['staff'],
    mutable: true,
    note: 'plain user, free to change',
  },
  {
    key: 'dave',
    login: 'dave',
    cn: 'Dave Davis',
    givenName: 'Dave',
    sn: 'Davis',
    rdn: 'uid',
    password: 'Dave-Passw0rd',
    mail: 'dave',
    groups: ['staff', 'developers'],
    mutable: true,
    note: 'plain user, free to change',
  },
  {
    key: 'jsmith',
    login: 'jsmith',
    cn: 'Smith, John (Jr.) "JJ"',
    givenName: 'John',
    sn: 'Smith',
    rdn: 'cn',
    password: 'p(a)ss*w\\ord',
    mail: 'john.smith',
    groups: ['staff', 'developers', 'rnd'],
    // Bytes that break an unescaped filter: \ ( ) * NUL.
    guid: Buffer.from('5c28292a00ff10203040506070809a0b', 'hex'),
    note: 'DN with a comma, quotes and parentheses; password with ( ) * \\; objectGUID with \\ ( ) * NUL bytes',
  },
  {
    key: 'zoe',
    login: 'zoe',
    cn: 'Zoë Ångström',
    givenName: 'Zoë',
    sn: 'Ångström',
    rdn: 'cn',
    password: 'Zoë-Pässwörd-€',
    mail: 'zoe',
    groups: ['staff', 'rnd'],
    note: 'non-ASCII DN and password',
  },
  {
    key: 'mueller',
    login: 'müller',
    cn: 'Jürgen Müller',
    givenName: 'Jürgen',
    sn: 'Müller',
    rdn: 'uid',
    password: 'Grüße*(Müller)\\2024',
    mail: 'juergen.mueller',
    groups: ['staff', 'rnd'],
    note: 'non-ASCII login name; password with non-ASCII and ( ) * \\',
  },
  {
    key: 'nomail',
    login: 'nomail',
    cn: 'Nora Nomail',
    givenName: 'Nora',
    sn: 'Nomail',
    rdn: 'uid',
    password: 'Nomail-Passw0rd',
    groups: ['staff'],
    note: 'no mail attribute',
  },
  {
    key: 'jdoe',
    login: 'jdoe',
    cn: 'John Doe',
    givenName: 'John',
    sn: 'Doe',
    rdn: 'uid',
    password: 'Jdoe-People-Passw0rd',
    mail: 'john.doe',
    groups: ['staff'],
    note: 'same login name as jdoe-contractor (a search by login finds two entries)',
  },
  {
    key: 'jdoe-contractor',
    login: 'jdoe',
    cn: 'Jane Doe',
    givenName: 'Jane',
    sn: 'Doe',
    rdn: 'uid',
    ou: 'contractors',
    password: 'Jdoe-Contractor-Passw0rd',
    mail: 'jane.doe',
    mailDomain: 'contractors.example.net',
    groups: ['contractors'],
    note: 'same login name as jdoe, in the contractors sub-OU',
  },
  {
    key: 'eve',
    login: 'eve',
    cn: 'Eve Evans',
    givenName: 'Eve',
    sn: 'Evans',
    rdn: 'uid',
    password: 'Eve-Passw0rd',
    mail: 'eve',
    groups: ['staff'],
    disabled: true,
    note: 'disabled account (binds fine; only the disabled attribute says no)',
  },
];

interface GroupSpec {
  key: string;
  name: string;
  gidNumber: number;
  /** Groups listed as members (nested); ad-like only. */
  memberGroups?: string[];
  adOnly?: boolean;
}

const GROUPS: GroupSpec[] = [
  { key: 'staff', name: 'staff', gidNumber: 10000 },
  { key: 'developers', name: 'developers', gidNumber: 10001 },
  { key: 'admins', name: 'admins', gidNumber: 10002 },
  { key: 'contractors', name: 'contractors', gidNumber: 10003 },
  { key: 'rnd', name: 'R&D "Labs" (Berlin), Ü', gidNumber: 10004 },
  { key: 'engineering', name: 'engineering', gidNumber: 10005, memberGroups: ['developers'], adOnly: true },
];

const DEFINITIONS: Record<DatasetName, DatasetDefinition> = {
  'openldap-memberof': openldapDefinition(
    'openldap-memberof',
    'memberof',
    'dc=example,dc=org',
    'example.org',
  ),
  'openldap-posix': openldapDefinition('openldap-posix', 'posix', 'dc=example,dc=com', 'example.com'),
  'ad-like': {
    name: 'ad-like',
    flavor: 'ad',
    baseDn: 'DC=corp,DC=example,DC=net',
    domain: 'corp.example.net',
    peopleDn: 'OU=Users,DC=corp,DC=example,DC=net',
    groupsDn: 'OU=Groups,DC=corp,DC=example,DC=net',
    bindDn: 'CN=LDAP Reader,OU=Service Accounts,DC=corp,DC=example,DC=net',
    bindPassword: 'Reader-Passw0rd!',
    enabledFilter: '(!(userAccountControl:1.2.840.113556.1.4.803:=2))',
    disabledFilter: '(userAccountControl:1.2.840.113556.1.4.803:=2)',
    settings: {
      LDAP_DOMAIN: 'corp.example.net',
      LDAP_BIND_DN: 'CN=LDAP Reader,OU=Service Accounts,DC=corp,DC=example,DC=net',
      LDAP_BIND_PASS: 'Reader-Passw0rd!',
      LDAP_SEARCH_USER_DN: 'OU=Users,DC=corp,DC=example,DC=net',
      LDAP_SEARCH_GROUP_DN: 'OU=Groups,DC=corp,DC=example,DC=net',
      ...directoryKind('activeDirectory'),
    },
  },
};

/**
 * The shipped preset of a directory kind, without `LDAP_NESTED_GROUPS`: the datasets' settings leave
 * it at its default (off), so that tests turn it on where they compare nested with direct membership.
 */
function directoryKind(preset: LdapPresetName): Omit<LdapPreset, 'LDAP_NESTED_GROUPS'> {
  const { LDAP_NESTED_GROUPS: _nested, ...kind } = LDAP_PRESETS[preset];
  return kind;
}

function openldapDefinition(
  name: DatasetName,
  flavor: 'memberof' | 'posix',
  baseDn: string,
  domain: string,
): DatasetDefinition {
  const bindDn = `cn=ldap-reader,ou=services,${baseDn}`;
  const bindPassword = 'Reader-Passw0rd!';
  return {
    name,
    flavor,
    baseDn,
    domain,
    peopleDn: `ou=people,${baseDn}`,
    groupsDn: `ou=groups,${baseDn}`,
    bindDn,
    bindPassword,
    enabledFilter: '(!(employeeType=disabled))',
    disabledFilter: '(employeeType=disabled)',
    settings: {
      LDAP_DOMAIN: domain,
      LDAP_BIND_DN: bindDn,
      LDAP_BIND_PASS: bindPassword,
      LDAP_SEARCH_USER_DN: `ou=people,${baseDn}`,
      LDAP_SEARCH_GROUP_DN: `ou=groups,${baseDn}`,
      ...directoryKind(flavor === 'posix' ? 'openldapPosix' : 'openldap'),
      // Every OpenLDAP dataset's users are inetOrgPerson (the posix ones are posixAccount as well).
      LDAP_OBJECT_CLASS_USER: 'inetOrgPerson',
    },
  };
}

export function datasetDefinition(name: DatasetName): DatasetDefinition {
  const definition = DEFINITIONS[name];
  if (!definition) throw new RangeError(`unknown dataset "${name}" (have: ${DATASET_NAMES.join(', ')})`);
  return definition;
}

/**
 * Escapes one RDN value (RFC 4514 section 2.4) the way slapd writes DNs back (hex pairs: `\2C`, `\22`),
 * so catalog DNs compare equal, as strings, to the DNs the server returns.
 */
export function escapeRdnValue(value: string): string {
  return value.replace(
    /[\\,+"<>;=]|^[ #]| $/g,
    (char) => `\\${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** slapd returns attribute types in DNs in their schema spelling (`OU=Users` comes back as `ou=Users`). */
function serverDn(dn: string): string {
  return dn.replace(
    /(^|,)([A-Za-z]+)=/g,
    (_, separator: string, type: string) => `${separator}${type.toLowerCase()}=`,
  );
}

function rdnType(definition: DatasetDefinition, type: string): string {
  return definition.flavor === 'ad' ? type.toUpperCase() : type;
}

function personDn(definition: DatasetDefinition, person: PersonSpec): string {
  const parent = person.ou
    ? `${rdnType(definition, 'ou')}=${definition.flavor === 'ad' ? capitalise(person.ou) : person.ou},${definition.peopleDn}`
    : definition.peopleDn;
  const rdn =
    definition.flavor === 'ad' || person.rdn === 'cn'
      ? `${rdnType(definition, 'cn')}=${escapeRdnValue(person.cn)}`
      : `uid=${escapeRdnValue(person.login)}`;
  return serverDn(`${rdn},${parent}`);
}

function groupDn(definition: DatasetDefinition, name: string): string {
  return serverDn(`${rdnType(definition, 'cn')}=${escapeRdnValue(name)},${definition.groupsDn}`);
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** A stable 16-byte objectGUID for a hand-written ad-like entry. */
function derivedGuid(kind: 'user' | 'group', key: string): Buffer {
  return createHash('md5').update(`ad-like:${kind}:${key}`).digest();
}

/** The pieces `write-datasets.ts` renders: people and groups with everything resolved. */
export interface DatasetContent {
  definition: DatasetDefinition;
  people: { spec: PersonSpec; user: DirectoryUser }[];
  groups: { spec: GroupSpec; group: DirectoryGroup }[];
}

export function datasetContent(name: DatasetName): DatasetContent {
  const definition = datasetDefinition(name);
  const isAd = definition.flavor === 'ad';
  const groupSpecs = GROUPS.filter((spec) => isAd || !spec.adOnly);
  const people = PEOPLE.map((spec) => {
    const user: DirectoryUser = {
      key: spec.key,
      dn: personDn(definition, spec),
      login: spec.login,
      password: spec.password,
      groups: [],
      allGroups: [],
      disabled: spec.disabled ?? false,
      mutable: spec.mutable ?? false,
      note: spec.note,
    };
    if (spec.mail) user.mail = `${spec.mail}@${spec.mailDomain ?? definition.domain}`;
    if (isAd) user.objectGuid = spec.guid ?? derivedGuid('user', spec.key);
    return { spec, user };
  });
  const groups = groupSpecs.map((spec) => {
    const listed = people.filter(({ spec: person }) => person.groups.includes(spec.key));
    const group: DirectoryGroup = {
      key: spec.key,
      dn: groupDn(definition, spec.name),
      name: spec.name,
      memberDns: listed.map(({ user }) => user.dn),
      memberGroupDns: (spec.memberGroups ?? []).map((key) => {
        const nested = groupSpecs.find((candidate) => candidate.key === key);
        if (!nested) throw new Error(`group ${spec.key} nests unknown group ${key}`);
        return groupDn(definition, nested.name);
      }),
    };
    if (definition.flavor === 'posix') {
      // memberUid is IA5 (ASCII only): a non-ASCII login cannot be listed, so that user has no posix groups.
      group.memberUids = [...new Set(listed.map(({ user }) => user.login))].filter(
        (uid) => !/[^ -~]/.test(uid),
      );
      // memberUid holds login names, so everyone sharing a listed login is a member.
      group.memberDns = people
        .filter(({ user }) => group.memberUids?.includes(user.login))
        .map(({ user }) => user.dn);
    }
    if (isAd) group.objectGuid = derivedGuid('group', spec.key);
    return { spec, group };
  });
  for (const { user } of people) {
    user.groups = groups
      .filter(({ group }) => group.memberDns.includes(user.dn))
      .map(({ group }) => group.dn);
    user.allGroups = closeOverNesting(
      user.groups,
      groups.map(({ group }) => group),
    );
  }
  return { definition, people, groups };
}

/** Adds, until nothing changes, every group that lists one of `direct` as a member. */
function closeOverNesting(direct: string[], groups: DirectoryGroup[]): string[] {
  const all = new Set(direct);
  let grew = true;
  while (grew) {
    grew = false;
    for (const group of groups) {
      if (!all.has(group.dn) && group.memberGroupDns.some((dn) => all.has(dn))) {
        all.add(group.dn);
        grew = true;
      }
    }
  }
  return [...all];
}

/** The settings file the start script reads for a dataset (written by `write-datasets.ts`). */
export function renderDatasetEnv(definition: DatasetDefinition): string {
  const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
  const description: Record<DatasetFlavor, string> = {
    memberof: 'OpenLDAP with groupOfNames groups and the memberof overlay.',
    posix: 'OpenLDAP with posixGroup groups (memberUid holds login names), no overlays.',
    ad: "Active-Directory-shaped entries; the memberof overlay stands in for AD's memberOf back-link.",
  };
  return [
    `# Generated by packages/ldap-core/src/testing/write-datasets.ts; read by start-directory.sh.`,
    `# ${description[definition.flavor]}`,
    `FLAVOR=${definition.flavor}`,
    `SUFFIX=${quote(definition.baseDn)}`,
    `PEOPLE_DN=${quote(definition.peopleDn)}`,
    `GROUPS_DN=${quote(definition.groupsDn)}`,
    `SERVICE_DN=${quote(definition.bindDn)}`,
    `MAIL_DOMAIN=${quote(definition.domain)}`,
    '',
  ].join('\n');
}

/** Zero-padded like the generator's names (`member00001`, `group0001`). */
function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * Describes the users and groups that `generate-people.awk` creates, without asking the directory:
 * the members of the large group and the extra users/groups asked for at start.
 */
export function generatedPeople(
  definition: DatasetDefinition,
  kind: 'member' | 'extra',
  count: number,
  groupCount: number,
): { users: DirectoryUser[]; groups: DirectoryGroup[] } {
  const isAd = definition.flavor === 'ad';
  const source = GENERATED[kind];
  const ouDn = `${rdnType(definition, 'ou')}=${source.ou},${definition.peopleDn}`;
  const groupNames =
    kind === 'member'
      ? [GENERATED.member.groupName]
      : Array.from(
          { length: groupCount },
          (_, index) => `${GENERATED.extra.groupPrefix}${pad(index + 1, 4)}`,
        );
  const groups: DirectoryGroup[] = groupNames.map((name) => ({
    key: name,
    dn: groupDn(definition, name),
    name,
    memberDns: [],
    memberGroupDns: [],
    ...(definition.flavor === 'posix' ? { memberUids: [] } : {}),
  }));
  const users: DirectoryUser[] = [];
  for (let index = 1; index <= count; index++) {
    const login = `${source.prefix}${pad(index, 5)}`;
    const dn = serverDn(isAd ? `CN=${source.label} ${pad(index, 5)},${ouDn}` : `uid=${login},${ouDn}`);
    const group = groups.length > 0 ? groups[(index - 1) % groups.length] : undefined;
    group?.memberDns.push(dn);
    group?.memberUids?.push(login);
    users.push({
      key: login,
      dn,
      login,
      password: source.password,
      mail: `${login}@${definition.domain}`,
      groups: group ? [group.dn] : [],
      allGroups: group ? [group.dn] : [],
      disabled: false,
      mutable: kind === 'extra',
      note: kind === 'member' ? `generated member of ${GENERATED.member.groupName}` : 'generated extra user',
    });
  }
  return { users, groups };
}

/** The LdapEntryInput settings of a dataset, for a given URL and CA file. */
export function datasetLdapEntry(
  definition: DatasetDefinition,
  url: string,
  caCertFile: string,
  overrides: Partial<LdapEntryInput> = {},
): LdapEntryInput {
  return { LDAP_URL: url, ...definition.settings, LDAP_CA_CERT_FILE: caCertFile, ...overrides };
}
