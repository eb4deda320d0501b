import type { LdapEntryInput } from './settings-schema.ts';

/** The keys of an `LDAP` entry that depend on the kind of directory rather than on the site. */
export type LdapPreset = Readonly<
  Pick<
    LdapEntryInput,
    | 'LDAP_ATTR_GUID'
    | 'LDAP_OBJECT_CLASS_USER'
    | 'LDAP_OBJECT_CLASS_GROUP'
    | 'LDAP_ATTR_USERNAME'
    | 'LDAP_ATTR_EMAIL'
    | 'LDAP_ATTR_GROUPS'
    | 'LDAP_MEMBER_OF_OVERLAY'
    | 'LDAP_MEMBER_ATTRIBUTE'
    | 'LDAP_ATTR_MEMBERS'
    | 'LDAP_NESTED_GROUPS'
  >
>;

/**
 * Directory-kind settings to merge into an `LDAP` entry (the same values as the example files).
 *
 * - `openldap`: OpenLDAP with the memberOf overlay, inetOrgPerson users, groupOfNames groups.
 * - `openldapPosix`: OpenLDAP without the overlay, posixAccount users and posixGroup groups
 *   listing members by uid in memberUid (the layout Psono's OpenLDAP guide shows).
 * - `activeDirectory`: Active Directory (Psono's defaults), with nested groups resolved.
 *
 * @example
 * const entry = { ...LDAP_PRESETS.openldap, LDAP_URL: 'ldaps://ldap.example.com', ... };
 */
export const LDAP_PRESETS = {
  openldap: {
    LDAP_ATTR_GUID: 'entryUUID',
    LDAP_OBJECT_CLASS_USER: 'inetOrgPerson',
    LDAP_OBJECT_CLASS_GROUP: 'groupOfNames',
    LDAP_ATTR_USERNAME: 'uid',
    LDAP_ATTR_EMAIL: 'mail',
    LDAP_ATTR_GROUPS: 'memberOf',
    LDAP_MEMBER_OF_OVERLAY: true,
    LDAP_MEMBER_ATTRIBUTE: 'dn',
    LDAP_ATTR_MEMBERS: 'member',
    LDAP_NESTED_GROUPS: false,
  },
  openldapPosix: {
    LDAP_ATTR_GUID: 'entryUUID',
    LDAP_OBJECT_CLASS_USER: 'posixAccount',
    LDAP_OBJECT_CLASS_GROUP: 'posixGroup',
    LDAP_ATTR_USERNAME: 'uid',
    LDAP_ATTR_EMAIL: 'mail',
    LDAP_ATTR_GROUPS: 'memberOf',
    LDAP_MEMBER_OF_OVERLAY: false,
    LDAP_MEMBER_ATTRIBUTE: 'uid',
    LDAP_ATTR_MEMBERS: 'memberUid',
    LDAP_NESTED_GROUPS: false,
  },
  activeDirectory: {
    LDAP_ATTR_GUID: 'objectGUID',
    LDAP_OBJECT_CLASS_USER: 'user',
    LDAP_OBJECT_CLASS_GROUP: 'group',
    LDAP_ATTR_USERNAME: 'sAMAccountName',
    LDAP_ATTR_EMAIL: 'mail',
    LDAP_ATTR_GROUPS: 'memberOf',
    LDAP_MEMBER_OF_OVERLAY: true,
    LDAP_MEMBER_ATTRIBUTE: 'dn',
    LDAP_ATTR_MEMBERS: 'member',
    LDAP_NESTED_GROUPS: true,
  },
} as const satisfies Record<string, LdapPreset>;

export type LdapPresetName = keyof typeof LDAP_PRESETS;
