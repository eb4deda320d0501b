/** Node entry point: settings.yaml (schema, loader, presets, redaction) and config.json. */
// Everything the browser entry offers, so the two entry points cannot list different things.
export * from './client.ts';
export { type DatabaseConfig, databaseConfigFrom } from './database-config.ts';
export { closestNames } from './did-you-mean.ts';
export { type Finding, formatFinding, formatPath } from './finding.ts';
export { LDAP_PRESETS, type LdapPreset, type LdapPresetName } from './ldap-presets.ts';
export { REDACTED, redactSettings, SECRET_FIELD_NAMES } from './redact-settings.ts';
export { type LoadSettingsResult, loadSettingsFile, loadSettingsText } from './settings-loader.ts';
export {
  type LdapEntry,
  type LdapEntryInput,
  ldapEntrySchema,
  type Settings,
  type SettingsInput,
  settingsSchema,
} from './settings-schema.ts';
