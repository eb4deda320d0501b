export {
  LDAP_ENTRY_DEFAULTS,
  type LdapEntry,
  type LdapEntryInput,
  ldapEntrySchema,
  SETTINGS_DEFAULTS,
  type Settings,
  type SettingsInput,
  settingsSchema,
} from './settings-schema.ts';
