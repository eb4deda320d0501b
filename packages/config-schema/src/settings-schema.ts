import { z } from 'zod';

/**
 * The schema of the server's `settings.yaml`, with Psono's UPPER_CASE key names.
 *
 * Types are derived from the schemas (`z.infer`) and every default lives in the two defaults
 * objects below, so the example files, the JSON Schema and the code cannot drift apart.
 */

/** Defaults of one `LDAP` entry (Psono's defaults are Active Directory's). */
export const LDAP_ENTRY_DEFAULTS = {
  LDAP_ATTR_GUID: 'objectGUID',
  LDAP_OBJECT_CLASS_USER: 'user',
  LDAP_OBJECT_CLASS_GROUP: 'group',
  LDAP_ATTR_USERNAME: 'sAMAccountName',
  LDAP_ATTR_EMAIL: 'mail',
  LDAP_ATTR_GROUPS: 'memberOf',
  LDAP_MEMBER_OF_OVERLAY: true,
  LDAP_MEMBER_ATTRIBUTE: 'uid',
  LDAP_ATTR_MEMBERS: 'memberUid',
  LDAP_REQUIRED_GROUP: [] as string[],
  LDAP_REQUIRED_ATTRIBUTE: [] as [string, string][],
  // Keys this project adds to Psono's set.
  LDAP_START_TLS: false,
  LDAP_TLS_VERIFY: true,
  LDAP_CONNECT_TIMEOUT: 5,
  LDAP_OPERATION_TIMEOUT: 10,
  LDAP_POOL_SIZE: 4,
  LDAP_NESTED_GROUPS: false,
} as const;

/** Defaults of the global keys. */
export const SETTINGS_DEFAULTS = {
  AUTHENTICATION_METHODS: ['AUTHKEY'] as string[],
  /** Seconds a session lives when the client asks for nothing longer (Psono: DEFAULT_TOKEN_TIME_VALID). */
  DEFAULT_TOKEN_TIME_VALID: 86_400,
  /** Upper bound for the session length a client may ask for (Psono: MAX_WEB_TOKEN_TIME_VALID). */
  MAX_WEB_TOKEN_TIME_VALID: 2_592_000,
  /** Failed logins per username within the window before further attempts are refused. */
  LOGIN_THROTTLE_USERNAME_FAILURES: 5,
  /** Failed logins per client address within the window before further attempts are refused. */
  LOGIN_THROTTLE_ADDRESS_FAILURES: 20,
  /** Length of the throttling window and of the lockout, in seconds. */
  LOGIN_THROTTLE_WINDOW: 300,
  /** Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed. */
  TRUSTED_PROXIES: [] as string[],
  LOG_LEVEL: 'info' as 'debug' | 'info' | 'warn' | 'error',
  LDAP: [] as never[],
} as const;

/** Python-style booleans (`True`/`False`) and the usual YAML spellings, as Psono's loader accepts them. */
export const pyBoolean = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const lowered = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(lowered)) return true;
  if (['false', 'no', 'off', '0'].includes(lowered)) return false;
  return value;
}, z.boolean());

const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const ldapUrl = z.url({
  protocol: /^ldaps?$/,
  error: 'must be an ldap:// or ldaps:// URL, for example ldaps://dc1.example.com:636',
});

/** One URL or a list of URLs, tried in order; always a list after parsing. */
const ldapUrls = z
  .union([ldapUrl, z.array(ldapUrl).min(1, 'needs at least one URL')])
  .transform((value) => (Array.isArray(value) ? value : [value]));

/** A list given as a YAML list or as one comma-separated string. */
const listOrCommaString = z.union([z.array(nonEmpty), z.string()]).transform((value) =>
  Array.isArray(value)
    ? value
    : value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
);

const seconds = z.coerce.number().positive();

export const ldapEntrySchema = z
  .object({
    LDAP_URL: ldapUrls,
    LDAP_DOMAIN: nonEmpty.transform((domain) => domain.toLowerCase()),
    LDAP_BIND_DN: nonEmpty,
    LDAP_BIND_PASS: z.string().min(1, 'must not be empty (an empty password is an anonymous bind)'),
    LDAP_SEARCH_USER_DN: nonEmpty,
    LDAP_SEARCH_GROUP_DN: nonEmpty,
    LDAP_ATTR_GUID: nonEmpty.default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_GUID),
    LDAP_OBJECT_CLASS_USER: nonEmpty.default(LDAP_ENTRY_DEFAULTS.LDAP_OBJECT_CLASS_USER),
    LDAP_OBJECT_CLASS_GROUP: nonEmpty.default(LDAP_ENTRY_DEFAULTS.LDAP_OBJECT_CLASS_GROUP),
    LDAP_ATTR_USERNAME: nonEmpty.default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_USERNAME),
    LDAP_ATTR_EMAIL: nonEmpty.default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_EMAIL),
    LDAP_ATTR_GROUPS: nonEmpty.default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_GROUPS),
    LDAP_MEMBER_OF_OVERLAY: pyBoolean.default(LDAP_ENTRY_DEFAULTS.LDAP_MEMBER_OF_OVERLAY),
    LDAP_MEMBER_ATTRIBUTE: nonEmpty.default(LDAP_ENTRY_DEFAULTS.LDAP_MEMBER_ATTRIBUTE),
    LDAP_ATTR_MEMBERS: nonEmpty.default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_MEMBERS),
    LDAP_REQUIRED_GROUP: z
      .union([nonEmpty.transform((dn) => [dn]), z.array(nonEmpty)])
      .default(LDAP_ENTRY_DEFAULTS.LDAP_REQUIRED_GROUP),
    LDAP_REQUIRED_ATTRIBUTE: z
      .array(z.tuple([nonEmpty, z.string()]))
      .default(LDAP_ENTRY_DEFAULTS.LDAP_REQUIRED_ATTRIBUTE),
    LDAP_CUSTOM_USER_FILTER: z.string().trim().optional(),
    LDAP_CUSTOM_GROUP_FILTER: z.string().trim().optional(),
    LDAP_CA_CERT_FILE: nonEmpty.optional(),
    /** Upgrade `ldap://` connections with StartTLS before anything else is sent. */
    LDAP_START_TLS: pyBoolean.default(LDAP_ENTRY_DEFAULTS.LDAP_START_TLS),
    /** Verify the directory's certificate; only a test lab should ever turn this off. */
    LDAP_TLS_VERIFY: pyBoolean.default(LDAP_ENTRY_DEFAULTS.LDAP_TLS_VERIFY),
    /** Seconds to wait for a TCP (and TLS) connection to one URL before trying the next. */
    LDAP_CONNECT_TIMEOUT: seconds.default(LDAP_ENTRY_DEFAULTS.LDAP_CONNECT_TIMEOUT),
    /** Seconds to wait for one LDAP operation (bind, search). */
    LDAP_OPERATION_TIMEOUT: seconds.default(LDAP_ENTRY_DEFAULTS.LDAP_OPERATION_TIMEOUT),
    /** Service-bound connections kept open per directory entry. */
    LDAP_POOL_SIZE: z.coerce.number().int().min(1).max(64).default(LDAP_ENTRY_DEFAULTS.LDAP_POOL_SIZE),
    /** Resolve nested groups (Active Directory: LDAP_MATCHING_RULE_IN_CHAIN; others: transitive search). */
    LDAP_NESTED_GROUPS: pyBoolean.default(LDAP_ENTRY_DEFAULTS.LDAP_NESTED_GROUPS),
  })
  .strict();

export type LdapEntry = z.infer<typeof ldapEntrySchema>;
export type LdapEntryInput = z.input<typeof ldapEntrySchema>;

const databaseSchema = z
  .object({
    ENGINE: nonEmpty,
    NAME: z.string().optional(),
    USER: z.string().optional(),
    PASSWORD: z.string().optional(),
    HOST: z.string().optional(),
    PORT: z.union([z.string(), z.number()]).optional(),
  })
  .strict();

const hexKey = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes); run `manage generate-keys`');

export const settingsSchema = z
  .object({
    SECRET_KEY: z.string().min(32, 'must be at least 32 characters; run `manage generate-keys`').optional(),
    PRIVATE_KEY: hexKey.optional(),
    PUBLIC_KEY: hexKey.optional(),
    HOST_URL: z.url().optional(),
    WEB_CLIENT_URL: z.url().optional(),
    AUTHENTICATION_METHODS: listOrCommaString
      .transform((methods) => methods.map((method) => method.toUpperCase()))
      .default(SETTINGS_DEFAULTS.AUTHENTICATION_METHODS),
    DATA_DIR: nonEmpty.optional(),
    DATABASES: z.object({ default: databaseSchema }).strict().optional(),
    DEFAULT_TOKEN_TIME_VALID: z.coerce
      .number()
      .int()
      .positive()
      .default(SETTINGS_DEFAULTS.DEFAULT_TOKEN_TIME_VALID),
    MAX_WEB_TOKEN_TIME_VALID: z.coerce
      .number()
      .int()
      .positive()
      .default(SETTINGS_DEFAULTS.MAX_WEB_TOKEN_TIME_VALID),
    LOGIN_THROTTLE_USERNAME_FAILURES: z.coerce
      .number()
      .int()
      .min(1)
      .default(SETTINGS_DEFAULTS.LOGIN_THROTTLE_USERNAME_FAILURES),
    LOGIN_THROTTLE_ADDRESS_FAILURES: z.coerce
      .number()
      .int()
      .min(1)
      .default(SETTINGS_DEFAULTS.LOGIN_THROTTLE_ADDRESS_FAILURES),
    LOGIN_THROTTLE_WINDOW: seconds.default(SETTINGS_DEFAULTS.LOGIN_THROTTLE_WINDOW),
    TRUSTED_PROXIES: listOrCommaString.default(SETTINGS_DEFAULTS.TRUSTED_PROXIES),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default(SETTINGS_DEFAULTS.LOG_LEVEL),
    LDAP: z.array(ldapEntrySchema).default([]),
  })
  .strict()
  .superRefine((settings, ctx) => {
    const seen = new Map<string, number>();
    settings.LDAP.forEach((entry, index) => {
      const first = seen.get(entry.LDAP_DOMAIN);
      if (first === undefined) {
        seen.set(entry.LDAP_DOMAIN, index);
      } else {
        ctx.addIssue({
          code: 'custom',
          path: ['LDAP', index, 'LDAP_DOMAIN'],
          message: `duplicate domain "${entry.LDAP_DOMAIN}" (already used by LDAP[${first}]); each entry serves one domain`,
        });
      }
    });
    if ((settings.PRIVATE_KEY === undefined) !== (settings.PUBLIC_KEY === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [settings.PRIVATE_KEY === undefined ? 'PRIVATE_KEY' : 'PUBLIC_KEY'],
        message: 'PRIVATE_KEY and PUBLIC_KEY are a pair: set both or neither',
      });
    }
  });

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;
