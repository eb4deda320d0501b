import { LDAP_ENTRY_DEFAULTS, type LdapEntryInput } from './settings-schema.ts';

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
export const LDAP_PRESETS = definePresets();

/**
 * Each preset names only where it departs from the one it builds on, and Active Directory builds on
 * the schema's defaults (Psono's), so a default changes in one place.
 */
function definePresets() {
  const activeDirectory = {
    LDAP_ATTR_GUID: LDAP_ENTRY_DEFAULTS.LDAP_ATTR_GUID,
    LDAP_OBJECT_CLASS_USER: LDAP_ENTRY_DEFAULTS.LDAP_OBJECT_CLASS_USER,
    LDAP_OBJECT_CLASS_GROUP: LDAP_ENTRY_DEFAULTS.LDAP_OBJECT_CLASS_GROUP,
    LDAP_ATTR_USERNAME: LDAP_ENTRY_DEFAULTS.LDAP_ATTR_USERNAME,
    LDAP_ATTR_EMAIL: LDAP_ENTRY_DEFAULTS.LDAP_ATTR_EMAIL,
    LDAP_ATTR_GROUPS: LDAP_ENTRY_DEFAULTS.LDAP_ATTR_GROUPS,
    LDAP_MEMBER_OF_OVERLAY: LDAP_ENTRY_DEFAULTS.LDAP_MEMBER_OF_OVERLAY,
    // AD groups list members by DN; Psono's uid/memberUid defaults are the posixGroup layout.
    LDAP_MEMBER_ATTRIBUTE: 'dn',
    LDAP_ATTR_MEMBERS: 'member',
    LDAP_NESTED_GROUPS: true,
  } as const satisfies LdapPreset;
  const openldap = {
    ...activeDirectory,
    LDAP_ATTR_GUID: 'entryUUID',
    LDAP_OBJECT_CLASS_USER: 'inetOrgPerson',
    LDAP_OBJECT_CLASS_GROUP: 'groupOfNames',
    LDAP_ATTR_USERNAME: 'uid',
    LDAP_NESTED_GROUPS: LDAP_ENTRY_DEFAULTS.LDAP_NESTED_GROUPS,
  } as const satisfies LdapPreset;
  const openldapPosix = {
    ...openldap,
    LDAP_OBJECT_CLASS_USER: 'posixAccount',
    LDAP_OBJECT_CLASS_GROUP: 'posixGroup',
    LDAP_MEMBER_OF_OVERLAY: false,
    LDAP_MEMBER_ATTRIBUTE: LDAP_ENTRY_DEFAULTS.LDAP_MEMBER_ATTRIBUTE,
    LDAP_ATTR_MEMBERS: LDAP_ENTRY_DEFAULTS.LDAP_ATTR_MEMBERS,
  } as const satisfies LdapPreset;
  return { openldap, openldapPosix, activeDirectory } as const;
}

export type LdapPresetName = keyof typeof LDAP_PRESETS;
