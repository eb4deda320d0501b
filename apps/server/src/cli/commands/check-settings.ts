import { formatPath, type LdapEntry, redactSettings, type Settings } from '@ldap-login/config-schema';
import { effectiveServerSecretsMode } from '../../accounts/server-secrets.ts';
import { COMMON_OPTIONS, type Command } from '../command.ts';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.ts';
import { formatFindings, loadSettings, SETTINGS_LOOKUP_HELP } from '../settings-file.ts';

const HELP = `Usage: manage check-settings [--json] [--settings FILE]

Reads the settings file and prints every problem at once (errors and warnings, each with
its key path and line), then a summary of each LDAP entry with secrets redacted. Does not
contact any directory: use testldap for that.

  --json   print {ok, file, errors, warnings, summary} as JSON

${SETTINGS_LOOKUP_HELP}

${EXIT_CODES_HELP}`;

/** The keys of an entry worth reading in a summary, in the order an administrator thinks of them. */
const SUMMARY_KEYS: (keyof LdapEntry)[] = [
  'LDAP_DOMAIN',
  'LDAP_URL',
  'LDAP_START_TLS',
  'LDAP_CA_CERT_FILE',
  'LDAP_TLS_VERIFY',
  'LDAP_BIND_DN',
  'LDAP_BIND_PASS',
  'LDAP_SEARCH_USER_DN',
  'LDAP_OBJECT_CLASS_USER',
  'LDAP_ATTR_USERNAME',
  'LDAP_ATTR_GUID',
  'LDAP_ATTR_EMAIL',
  'LDAP_SEARCH_GROUP_DN',
  'LDAP_OBJECT_CLASS_GROUP',
  'LDAP_MEMBER_OF_OVERLAY',
  'LDAP_ATTR_GROUPS',
  'LDAP_ATTR_MEMBERS',
  'LDAP_MEMBER_ATTRIBUTE',
  'LDAP_NESTED_GROUPS',
  'LDAP_REQUIRED_GROUP',
  'LDAP_REQUIRED_ATTRIBUTE',
  'LDAP_CUSTOM_USER_FILTER',
  'LDAP_CUSTOM_GROUP_FILTER',
];

function show(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : value.map((item) => show(item)).join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A redacted, readable summary of the settings: the global keys that matter, then each entry. */
export function summariseSettings(settings: Settings): Record<string, unknown> {
  const redacted = redactSettings(settings);
  return {
    AUTHENTICATION_METHODS: redacted.AUTHENTICATION_METHODS,
    SECRET_KEY: redacted.SECRET_KEY ?? '(not set)',
    PRIVATE_KEY: redacted.PRIVATE_KEY ?? '(not set)',
    PUBLIC_KEY: redacted.PUBLIC_KEY ?? '(not set)',
    COMPLIANCE_SERVER_SECRETS: effectiveServerSecretsMode(settings),
    CORS_ALLOWED_ORIGINS: settings.CORS_ALLOWED_ORIGINS,
    VAULT_MAX_BODY_SIZE: settings.VAULT_MAX_BODY_SIZE,
    TRUSTED_PROXIES: redacted.TRUSTED_PROXIES,
    LDAP: redacted.LDAP.map((entry) =>
      Object.fromEntries(
        SUMMARY_KEYS.filter((key) => entry[key] !== undefined).map((key) => [key, entry[key]]),
      ),
    ),
  };
}

function summaryLines(settings: Settings, dataDir: string, database: string): string[] {
  const summary = summariseSettings(settings);
  const lines = [
    `AUTHENTICATION_METHODS: ${show(summary.AUTHENTICATION_METHODS)}`,
    `SECRET_KEY: ${show(summary.SECRET_KEY)}`,
    `PRIVATE_KEY / PUBLIC_KEY: ${show(summary.PRIVATE_KEY)} / ${show(summary.PUBLIC_KEY)}`,
    `COMPLIANCE_SERVER_SECRETS: ${show(summary.COMPLIANCE_SERVER_SECRETS)}`,
    `CORS_ALLOWED_ORIGINS: ${show(summary.CORS_ALLOWED_ORIGINS)}`,
    `VAULT_MAX_BODY_SIZE: ${show(summary.VAULT_MAX_BODY_SIZE)}`,
    `TRUSTED_PROXIES: ${settings.TRUSTED_PROXIES.length === 0 ? '(none: X-Forwarded-For and X-Forwarded-Proto ignored)' : show(summary.TRUSTED_PROXIES)}`,
    `DATA_DIR: ${dataDir}`,
    `database: ${database}`,
  ];
  if (settings.COMPLIANCE_SERVER_SECRETS !== 'noone' && !settings.SECRET_KEY) {
    lines.push(
      `note: COMPLIANCE_SERVER_SECRETS is ${settings.COMPLIANCE_SERVER_SECRETS} but SECRET_KEY is not set, so no server secrets are kept (as noone)`,
    );
  }
  if (!settings.AUTHENTICATION_METHODS.includes('LDAP')) {
    lines.push('note: AUTHENTICATION_METHODS does not contain LDAP, so LDAP logins are off');
  }
  // check-settings contacts no directory: the lockout threshold is read by testldap and at serve's start.
  if (settings.LDAP.some((entry) => entry.LDAP_ATTR_GUID.toLowerCase() === 'objectguid')) {
    lines.push(
      `note: Active Directory lockout: keep LOGIN_THROTTLE_USERNAME_FAILURES (${settings.LOGIN_THROTTLE_USERNAME_FAILURES}) below the domain's lockoutThreshold; testldap and serve read it (check-settings contacts no directory)`,
    );
  }
  const entries = summary.LDAP as Record<string, unknown>[];
  if (entries.length === 0) lines.push('LDAP: (no entries)');
  entries.forEach((entry, index) => {
    lines.push(`${formatPath(['LDAP', index])}: ${show(entry.LDAP_DOMAIN)}`);
    for (const [key, value] of Object.entries(entry)) {
      if (key !== 'LDAP_DOMAIN') lines.push(`  ${key}: ${show(value)}`);
    }
  });
  return lines;
}

export const checkSettingsCommand: Command = {
  name: 'check-settings',
  summary: 'validate settings.yaml and print a redacted summary',
  help: HELP,
  options: { ...COMMON_OPTIONS, json: { type: 'boolean' } },
  positionals: [0, 0],
  async run({ values }, io) {
    const loaded = loadSettings(values.settings as string | undefined, io.env, io.cwd, { serving: true });
    const file = loaded.location?.path ?? null;
    if (values.json === true) {
      const document = loaded.ok
        ? {
            ok: true,
            file,
            errors: [],
            warnings: loaded.result.warnings,
            summary: summariseSettings(loaded.result.settings),
          }
        : { ok: false, file, errors: loaded.errors, warnings: loaded.warnings };
      io.stdout(`${JSON.stringify(document, null, 2)}\n`);
      return loaded.ok ? EXIT.OK : EXIT.USAGE;
    }
    if (file) io.stdout(`Settings file: ${file} (${loaded.location?.source})\n`);
    const warnings = loaded.ok ? loaded.result.warnings : loaded.warnings;
    for (const line of formatFindings(warnings)) io.stdout(`warning: ${line}\n`);
    if (!loaded.ok) {
      for (const line of formatFindings(loaded.errors)) io.stdout(`error: ${line}\n`);
      io.stdout(`${loaded.errors.length} error(s), ${warnings.length} warning(s).\n`);
      return EXIT.USAGE;
    }
    const { settings, dataDir, database } = loaded.result;
    const where =
      database.kind === 'sqlite'
        ? `SQLite ${database.file}`
        : `PostgreSQL ${database.host}:${database.port}/${database.database}`;
    for (const line of summaryLines(settings, dataDir, where)) io.stdout(`${line}\n`);
    io.stdout(`No errors, ${warnings.length} warning(s).\n`);
    return EXIT.OK;
  },
};
