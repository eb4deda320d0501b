/** Node entry point: settings.yaml (schema, loader, presets, redaction) and config.json. */
// Everything the browser entry offers, so the two entry points cannot list different things.
export * from './client.ts';
export {
  type DatabaseConfig,
  type DatabaseKind,
  DEFAULT_POSTGRES_PORT,
  DEFAULT_SQLITE_FILE_NAME,
  databaseConfigFrom,
  databaseKindOfEngine,
} from './database-config.ts';
export {
  ENVIRONMENT_PREFIX,
  type Environment,
  parseEnvironmentValue,
} from './environment-overrides.ts';
export { type Finding, formatFinding, formatPath } from './finding.ts';
export { type IpRange, isWideProxyRange, parseIpRange, WIDEST_PROXY_PREFIX } from './ip-range.ts';
export { buildJsonSchemas, type JsonSchemas } from './json-schemas.ts';
export { LDAP_PRESETS, type LdapPreset, type LdapPresetName } from './ldap-presets.ts';
export { PSONO_UNUSED_SETTINGS_KEYS } from './psono-settings-keys.ts';
export { PUBLISHED_KEY_PAIRS, type PublishedKeyPair, publishedKeySource } from './published-test-keys.ts';
export { isSecretKeyName, REDACTED, redactSettings } from './redact-settings.ts';
export {
  DEFAULT_DATA_DIR_NAME,
  filePermissionFinding,
  type LoadSettingsResult,
  type LoadSettingsTextOptions,
  loadSettingsFile,
  loadSettingsText,
} from './settings-loader.ts';
export {
  duplicateDomainMessage,
  KEY_PLACEHOLDER,
  LDAP_ENTRY_DEFAULTS,
  type LdapEntry,
  type LdapEntryInput,
  ldapEntrySchema,
  ldapUrl,
  pyBoolean,
  SETTINGS_DEFAULTS,
  type Settings,
  type SettingsInput,
  settingsSchema,
} from './settings-schema.ts';
