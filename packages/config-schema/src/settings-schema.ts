import { fromHex, nobleCrypto, toHex } from '@ldap-login/protocol';
import { z } from 'zod';
import { databaseKindOfEngine } from './database-config.ts';
import { parseIpRange } from './ip-range.ts';
import { publishedKeySource } from './published-test-keys.ts';

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
  LDAP_BIND_POOL_SIZE: 16,
  LDAP_NESTED_GROUPS: false,
} as const;

/** Defaults of the global keys. */
export const SETTINGS_DEFAULTS = {
  AUTHENTICATION_METHODS: ['AUTHKEY'] as string[],
  /** Seconds a session lives when the client asks for nothing longer (Psono: DEFAULT_TOKEN_TIME_VALID). */
  DEFAULT_TOKEN_TIME_VALID: 86_400,
  /** Upper bound for the session length a client may ask for (Psono: MAX_WEB_TOKEN_TIME_VALID). */
  MAX_WEB_TOKEN_TIME_VALID: 2_592_000,
  /** Seconds between two re-checks of every user with a live session against the directory. */
  LDAP_SESSION_RECHECK_INTERVAL: 300,
  /** Failed logins per username within the window before further attempts are refused. */
  LOGIN_THROTTLE_USERNAME_FAILURES: 5,
  /** Failed logins per client address within the window before further attempts are refused. */
  LOGIN_THROTTLE_ADDRESS_FAILURES: 20,
  /** Length of the throttling window and of the lockout, in seconds. */
  LOGIN_THROTTLE_WINDOW: 300,
  /** Failed logins per window allowed to one device that logged in as the username before. */
  LOGIN_THROTTLE_DEVICE_FAILURES: 3,
  /** Seconds a device token (the cookie of a device that logged in) stays valid: 90 days. */
  DEVICE_TOKEN_LIFETIME: 7_776_000,
  /** IPv6 clients are counted per network of this prefix length (one /64 is one household or host). */
  LOGIN_THROTTLE_IPV6_PREFIX: 64,
  /** Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed: none. */
  TRUSTED_PROXIES: [] as string[],
  /** Days audit events are kept before the periodic cleanup removes them. */
  AUDIT_LOG_RETENTION_DAYS: 90,
  /** Days ended or expired sessions stay listed before the periodic cleanup removes them. */
  SESSION_RETENTION_DAYS: 7,
  /** Seconds between two runs of the cleanup of old audit events, sessions and throttling records. */
  CLEANUP_INTERVAL: 600,
  /** Seconds a client may take to send a request's headers. */
  HTTP_HEADERS_TIMEOUT: 10,
  /** Seconds a client may take to send a whole request (headers and body). */
  HTTP_REQUEST_TIMEOUT: 30,
  /** Strict-Transport-Security max-age in seconds (180 days), sent over https only; 0: not sent. */
  HSTS_MAX_AGE: 15_552_000,
  /** Add `includeSubDomains` to Strict-Transport-Security. */
  HSTS_INCLUDE_SUBDOMAINS: false,
  /** Addresses or CIDR ranges that may read /server/metrics without METRICS_SECRET. */
  METRICS_ALLOWED_ADDRESSES: ['127.0.0.1', '::1'] as string[],
  /** Seconds that a stopping server (SIGTERM) waits for requests in flight before it closes them. */
  SHUTDOWN_DRAIN_TIMEOUT: 8,
  LOG_LEVEL: 'info' as 'debug' | 'info' | 'warn' | 'error',
  /**
   * Psono's server secrets: `auto` keeps a copy of each LDAP user's keys on the server (encrypted
   * with SECRET_KEY), so a directory password change needs no old password; `noone` keeps none.
   */
  COMPLIANCE_SERVER_SECRETS: 'auto' as 'auto' | 'noone' | 'all',
  /** Browser origins (extensions, other web clients) allowed to call the API; none by default. */
  CORS_ALLOWED_ORIGINS: [] as string[],
  /**
   * Largest vault write, in bytes. A datastore grows by about 1.3 KB per entry (hex, twice), so
   * 16 MiB holds some 12,000 entries, well beyond a large personal vault, while one request still
   * fits comfortably in memory.
   */
  VAULT_MAX_BODY_SIZE: 16 * 1024 * 1024,
  LDAP: [] as never[],
} as const;

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  on: true,
  '1': true,
  false: false,
  no: false,
  off: false,
  '0': false,
};

/**
 * Python-style booleans (`True`/`False`) and the usual YAML spellings, as Psono's loader accepts
 * them. The YAML 1.1 loader already turns unquoted words into booleans; quoted words and values
 * from environment variables arrive as strings and are accepted here.
 */
const pyBoolean = z
  .union(
    [
      z.boolean(),
      z.literal([0, 1]),
      // PyYAML's spellings (no flag: the pattern must mean the same in the JSON Schema).
      z
        .string()
        .regex(
          /^\s*([Tt]rue|TRUE|[Ff]alse|FALSE|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF|1|0)\s*$/,
          'must be True or False',
        ),
    ],
    { error: 'must be True or False' },
  )
  .transform((value) =>
    typeof value === 'string' ? BOOLEAN_WORDS[value.trim().toLowerCase()] === true : Boolean(value),
  );

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const ldapUrl = z.url({
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

/**
 * A group's DN. A bare name (`Vault Users`) would match no group and refuse every login, so it is
 * refused here, where the key can be named.
 */
const groupDn = z
  .string()
  .trim()
  .min(1)
  .refine((value) => /^[A-Za-z0-9.-]+\s*=/.test(value), {
    error:
      "must be a group's DN (for example CN=Vault Users,OU=Groups,DC=example,DC=com), not a group's name",
  });

const httpUrl = z.url({
  protocol: /^https?$/,
  error: 'must be an http:// or https:// URL, for example https://vault.example.com',
});

export const ldapEntrySchema = z
  .object({
    LDAP_URL: ldapUrls.describe(
      'ldap:// or ldaps:// URL of the directory, or a list of URLs tried in order (failover).',
    ),
    LDAP_DOMAIN: nonEmpty
      .transform((domain) => domain.toLowerCase())
      .describe('Domain of this directory\'s usernames: "alice" logs in as "alice@LDAP_DOMAIN". Unique.'),
    LDAP_NETBIOS_DOMAIN: z
      .string()
      .trim()
      .min(1)
      .regex(/^[^\\@\s]+$/, 'must be a NetBIOS domain name such as CORP, without \\ or @')
      .optional()
      .describe(
        'Active Directory only (not a Psono key): the NetBIOS domain name (CORP) of this directory, so that "CORP\\gina" logs in as gina here. Unique among the entries.',
      ),
    LDAP_BIND_DN: nonEmpty.describe('DN of the service account used for searches.'),
    LDAP_BIND_PASS: z
      .string()
      .min(1, 'must not be empty (an empty password is an anonymous bind)')
      .describe('Password of the service account (secret: never printed).'),
    LDAP_SEARCH_USER_DN: nonEmpty.describe('Subtree root under which users are searched.'),
    LDAP_SEARCH_GROUP_DN: nonEmpty.describe('Subtree root under which groups are searched.'),
    LDAP_ATTR_GUID: nonEmpty
      .default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_GUID)
      .describe('Stable id of a user: objectGUID (Active Directory) or entryUUID (OpenLDAP).'),
    LDAP_OBJECT_CLASS_USER: nonEmpty
      .default(LDAP_ENTRY_DEFAULTS.LDAP_OBJECT_CLASS_USER)
      .describe('objectClass of user entries.'),
    LDAP_OBJECT_CLASS_GROUP: nonEmpty
      .default(LDAP_ENTRY_DEFAULTS.LDAP_OBJECT_CLASS_GROUP)
      .describe('objectClass of group entries.'),
    LDAP_ATTR_USERNAME: nonEmpty
      .default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_USERNAME)
      .describe(
        'Attribute matched against the login name. userPrincipalName: the search uses the full UPN (gina@corp.test).',
      ),
    LDAP_ATTR_EMAIL: nonEmpty.default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_EMAIL).describe('E-mail attribute.'),
    LDAP_ATTR_GROUPS: nonEmpty
      .default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_GROUPS)
      .describe("User attribute listing the DNs of the user's groups (memberOf overlay, Active Directory)."),
    LDAP_MEMBER_OF_OVERLAY: pyBoolean
      .default(LDAP_ENTRY_DEFAULTS.LDAP_MEMBER_OF_OVERLAY)
      .describe(
        "True: read groups from LDAP_ATTR_GROUPS. False: search groups whose LDAP_ATTR_MEMBERS holds the user's LDAP_MEMBER_ATTRIBUTE.",
      ),
    LDAP_MEMBER_ATTRIBUTE: nonEmpty
      .default(LDAP_ENTRY_DEFAULTS.LDAP_MEMBER_ATTRIBUTE)
      .describe('User attribute whose value group entries list as members ("dn" means the user\'s DN).'),
    LDAP_ATTR_MEMBERS: nonEmpty
      .default(LDAP_ENTRY_DEFAULTS.LDAP_ATTR_MEMBERS)
      .describe('Group attribute listing the members.'),
    LDAP_REQUIRED_GROUP: z
      .union([z.array(z.string()), z.string()])
      .transform((value) => (Array.isArray(value) ? value : [value]))
      .pipe(z.array(groupDn))
      .default(LDAP_ENTRY_DEFAULTS.LDAP_REQUIRED_GROUP)
      .describe('Group DNs; only members of at least one of them may log in. Empty: everyone.'),
    LDAP_REQUIRED_ATTRIBUTE: z
      .array(z.tuple([nonEmpty, z.string()]))
      .default(LDAP_ENTRY_DEFAULTS.LDAP_REQUIRED_ATTRIBUTE)
      .describe('List of [attribute, value] pairs the user must carry; value "*" means present.'),
    LDAP_CUSTOM_USER_FILTER: z
      .string()
      .trim()
      .optional()
      .describe('Raw LDAP filter ANDed into the user search, for example (!(nsaccountlock=TRUE)).'),
    LDAP_CUSTOM_GROUP_FILTER: z
      .string()
      .trim()
      .optional()
      .describe('Raw LDAP filter ANDed into the group search.'),
    LDAP_CA_CERT_FILE: nonEmpty
      .optional()
      .describe("PEM file of the CA that signed the directory's certificate; default: the system CAs."),
    /** Upgrade `ldap://` connections with StartTLS before anything else is sent. */
    LDAP_START_TLS: pyBoolean
      .default(LDAP_ENTRY_DEFAULTS.LDAP_START_TLS)
      .describe('Upgrade ldap:// connections with StartTLS before anything else is sent.'),
    /** Verify the directory's certificate; only a test lab should ever turn this off. */
    LDAP_TLS_VERIFY: pyBoolean
      .default(LDAP_ENTRY_DEFAULTS.LDAP_TLS_VERIFY)
      .describe("Verify the directory's certificate and host name. Only a test lab should turn this off."),
    /** Seconds to wait for a TCP (and TLS) connection to one URL before trying the next. */
    LDAP_CONNECT_TIMEOUT: seconds
      .default(LDAP_ENTRY_DEFAULTS.LDAP_CONNECT_TIMEOUT)
      .describe('Seconds to wait for a connection (TCP and TLS) to one URL before trying the next.'),
    /** Seconds to wait for one LDAP operation (bind, search). */
    LDAP_OPERATION_TIMEOUT: seconds
      .default(LDAP_ENTRY_DEFAULTS.LDAP_OPERATION_TIMEOUT)
      .describe('Seconds to wait for one LDAP operation (bind, search).'),
    /** Service-bound connections kept open per directory entry; each carries up to 8 searches at once. */
    LDAP_POOL_SIZE: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .default(LDAP_ENTRY_DEFAULTS.LDAP_POOL_SIZE)
      .describe(
        'Connections for searches (as LDAP_BIND_DN) kept open to this directory (1-64); each carries up to 8 searches at once.',
      ),
    /** Connections for user binds kept open per directory entry; each carries one bind at a time. */
    LDAP_BIND_POOL_SIZE: z.coerce
      .number()
      .int()
      .min(1)
      .max(256)
      .default(LDAP_ENTRY_DEFAULTS.LDAP_BIND_POOL_SIZE)
      .describe(
        'Connections for user binds kept open to this directory (1-256); each carries one bind at a time, so this is how many logins check their password at once.',
      ),
    /** Resolve nested groups (Active Directory: LDAP_MATCHING_RULE_IN_CHAIN; others: transitive search). */
    LDAP_NESTED_GROUPS: pyBoolean
      .default(LDAP_ENTRY_DEFAULTS.LDAP_NESTED_GROUPS)
      .describe(
        'Also count groups the user belongs to through other groups (Active Directory: matching rule in chain).',
      ),
  })
  .strict()
  .superRefine(
    (entry, ctx) => {
      // Runs even when other keys of the entry failed (see `when`), so values may be raw input.
      if (entry.LDAP_START_TLS !== true) return;
      const urls: unknown[] = Array.isArray(entry.LDAP_URL) ? entry.LDAP_URL : [entry.LDAP_URL];
      urls.forEach((url, index) => {
        if (typeof url === 'string' && url.trim().toLowerCase().startsWith('ldaps:')) {
          ctx.addIssue({
            code: 'custom',
            path: ['LDAP_START_TLS'],
            message: `StartTLS upgrades ldap:// connections, but URL ${index + 1} is ldaps:// (TLS from the start); use ldap:// URLs or set LDAP_START_TLS: False`,
          });
        }
      });
    },
    { when: () => true },
  );

export type LdapEntry = z.infer<typeof ldapEntrySchema>;
export type LdapEntryInput = z.input<typeof ldapEntrySchema>;

const databaseSchema = z
  .object({
    ENGINE: nonEmpty.describe(
      'django.db.backends.postgresql (PostgreSQL) or django.db.backends.sqlite3 (embedded file).',
    ),
    NAME: z.string().optional().describe('PostgreSQL: database name. SQLite: file, relative to DATA_DIR.'),
    USER: z.string().optional().describe('PostgreSQL user.'),
    PASSWORD: z.string().optional().describe('PostgreSQL password (secret: never printed).'),
    HOST: z.string().optional().describe('PostgreSQL host; default localhost.'),
    PORT: z
      .union([z.string().regex(/^\d*$/, 'must be a port number'), z.number().int().min(1).max(65_535)])
      .optional()
      .describe('PostgreSQL port; default 5432.'),
  })
  .strict()
  .superRefine((database, ctx) => {
    const kind = databaseKindOfEngine(database.ENGINE);
    if (kind === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ENGINE'],
        message:
          'unsupported database engine; use django.db.backends.postgresql (PostgreSQL) or django.db.backends.sqlite3, or remove DATABASES for the embedded SQLite file',
      });
    } else if (kind === 'postgres' && !database.NAME) {
      ctx.addIssue({ code: 'custom', path: ['NAME'], message: 'PostgreSQL needs the database NAME' });
    }
  });

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const isHexKey = (value: unknown): value is string => typeof value === 'string' && HEX_KEY.test(value);

/**
 * What the example files hold instead of keys: it fails validation, so a copied example cannot
 * start a server with a key that everyone who read the example knows.
 */
export const KEY_PLACEHOLDER = 'run manage generate-keys and paste its output here';

const placeholderMessage =
  'is the placeholder of the example file; run `manage generate-keys` and use its output';

const notPlaceholder = (value: string) => value.trim() !== KEY_PLACEHOLDER;

/** A server key: no placeholder, and no key pair printed in a standard or a library's tests. */
const hexKey = z
  .string()
  .refine(notPlaceholder, { message: placeholderMessage, abort: true })
  .regex(HEX_KEY, 'must be 64 hex characters (32 bytes); run `manage generate-keys`')
  .superRefine((value, ctx) => {
    const source = publishedKeySource(value);
    if (source !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `is a published test key (${source}): anyone can decrypt the logins sent to this server; run \`manage generate-keys\``,
      });
    }
  });

/** Entries of TRUSTED_PROXIES: an address or a CIDR range. */
const proxyRange = nonEmpty.refine((entry) => parseIpRange(entry) !== undefined, {
  message: 'must be an IP address or a CIDR range (10.0.0.5, 10.0.0.0/24, fd00::/64)',
});

export const settingsSchema = z
  .object({
    SECRET_KEY: z
      .string()
      .refine(notPlaceholder, { message: placeholderMessage, abort: true })
      .min(32, 'must be at least 32 characters; run `manage generate-keys`')
      .optional()
      .describe('Server secret (at least 32 characters); run `manage generate-keys`.'),
    PRIVATE_KEY: hexKey
      .optional()
      .describe('Hex X25519 private key of the server; also the seed of its Ed25519 signing key.'),
    PUBLIC_KEY: hexKey.optional().describe('Hex X25519 public key belonging to PRIVATE_KEY.'),
    HOST_URL: httpUrl
      .optional()
      .describe('Public URL of the API, for example https://vault.example.com/server.'),
    WEB_CLIENT_URL: httpUrl.optional().describe('Public URL of the web client.'),
    AUTHENTICATION_METHODS: listOrCommaString
      .transform((methods) => methods.map((method) => method.toUpperCase()))
      .default(SETTINGS_DEFAULTS.AUTHENTICATION_METHODS)
      .describe(
        'Login methods the server offers (list or comma-separated); must contain LDAP for LDAP logins.',
      ),
    DATA_DIR: nonEmpty
      .optional()
      .describe(
        'Folder for the embedded database and other data; relative to the settings file. Default: data.',
      ),
    DATABASES: z
      .object({ default: databaseSchema })
      .strict()
      .optional()
      .describe('Django-style database settings; absent: an embedded SQLite file in DATA_DIR.'),
    DEFAULT_TOKEN_TIME_VALID: z.coerce
      .number()
      .int()
      .positive()
      .default(SETTINGS_DEFAULTS.DEFAULT_TOKEN_TIME_VALID)
      .describe('Seconds a session lives when the client asks for nothing else.'),
    MAX_WEB_TOKEN_TIME_VALID: z.coerce
      .number()
      .int()
      .positive()
      .default(SETTINGS_DEFAULTS.MAX_WEB_TOKEN_TIME_VALID)
      .describe('Longest session, in seconds, a client may ask for.'),
    LDAP_SESSION_RECHECK_INTERVAL: z.coerce
      .number()
      .min(0)
      .default(SETTINGS_DEFAULTS.LDAP_SESSION_RECHECK_INTERVAL)
      .describe(
        'Seconds between two re-checks of every user with a live session against the directory: a user disabled, deleted or no longer allowed (LDAP_REQUIRED_GROUP, LDAP_REQUIRED_ATTRIBUTE, LDAP_CUSTOM_USER_FILTER) loses every session. A directory that cannot answer ends no session. 0: never.',
      ),
    LOGIN_THROTTLE_USERNAME_FAILURES: z.coerce
      .number()
      .int()
      .min(1)
      .default(SETTINGS_DEFAULTS.LOGIN_THROTTLE_USERNAME_FAILURES)
      .describe('Failed logins per username within the window before further attempts are refused.'),
    LOGIN_THROTTLE_ADDRESS_FAILURES: z.coerce
      .number()
      .int()
      .min(1)
      .default(SETTINGS_DEFAULTS.LOGIN_THROTTLE_ADDRESS_FAILURES)
      .describe('Failed logins per client address within the window before further attempts are refused.'),
    LOGIN_THROTTLE_WINDOW: seconds
      .default(SETTINGS_DEFAULTS.LOGIN_THROTTLE_WINDOW)
      .describe('Length of the throttling window and of the lockout, in seconds.'),
    LOGIN_THROTTLE_DEVICE_FAILURES: z.coerce
      .number()
      .int()
      .min(1)
      .default(SETTINGS_DEFAULTS.LOGIN_THROTTLE_DEVICE_FAILURES)
      .describe(
        "Failed logins per window allowed to one device that logged in as the username before (it presents a device token); such attempts do not count against the username's lockout. All of a username's devices together are also held to LOGIN_THROTTLE_USERNAME_FAILURES, so the directory sees at most twice that per window.",
      ),
    DEVICE_TOKEN_LIFETIME: seconds
      .default(SETTINGS_DEFAULTS.DEVICE_TOKEN_LIFETIME)
      .describe('Seconds a device token stays valid after the login that issued it (each login renews it).'),
    LOGIN_THROTTLE_IPV6_PREFIX: z.coerce
      .number()
      .int()
      .min(1)
      .max(128)
      .default(SETTINGS_DEFAULTS.LOGIN_THROTTLE_IPV6_PREFIX)
      .describe(
        'IPv6 clients are throttled per network of this prefix length (1-128): one user usually holds a whole /64. IPv4 clients are throttled per address.',
      ),
    TRUSTED_PROXIES: z
      .union([z.array(z.string()), z.string()])
      .transform((value) =>
        Array.isArray(value)
          ? value
          : value
              .split(',')
              .map((part) => part.trim())
              .filter(Boolean),
      )
      .pipe(z.array(proxyRange))
      .default(SETTINGS_DEFAULTS.TRUSTED_PROXIES)
      .describe(
        'Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are believed. Default: none.',
      ),
    AUDIT_LOG_RETENTION_DAYS: z.coerce
      .number()
      .int()
      .min(1)
      .default(SETTINGS_DEFAULTS.AUDIT_LOG_RETENTION_DAYS)
      .describe('Days audit events are kept before the periodic cleanup removes them.'),
    SESSION_RETENTION_DAYS: z.coerce
      .number()
      .int()
      .min(1)
      .default(SETTINGS_DEFAULTS.SESSION_RETENTION_DAYS)
      .describe('Days ended or expired sessions stay listed before the periodic cleanup removes them.'),
    CLEANUP_INTERVAL: seconds
      .default(SETTINGS_DEFAULTS.CLEANUP_INTERVAL)
      .describe(
        'Seconds between two runs of the cleanup of old audit events, sessions and throttling records.',
      ),
    HTTP_HEADERS_TIMEOUT: seconds
      .default(SETTINGS_DEFAULTS.HTTP_HEADERS_TIMEOUT)
      .describe("Seconds a client may take to send a request's headers; slower clients are cut off (408)."),
    HTTP_REQUEST_TIMEOUT: seconds
      .default(SETTINGS_DEFAULTS.HTTP_REQUEST_TIMEOUT)
      .describe(
        'Seconds a client may take to send a whole request, headers and body; slower clients are cut off (408).',
      ),
    HSTS_MAX_AGE: z.coerce
      .number()
      .int()
      .min(0)
      .default(SETTINGS_DEFAULTS.HSTS_MAX_AGE)
      .describe(
        'Strict-Transport-Security max-age in seconds, sent only on https requests (directly or through a trusted proxy saying X-Forwarded-Proto: https). 0: not sent.',
      ),
    HSTS_INCLUDE_SUBDOMAINS: pyBoolean
      .default(SETTINGS_DEFAULTS.HSTS_INCLUDE_SUBDOMAINS)
      .describe(
        'Add includeSubDomains to Strict-Transport-Security: only when every subdomain serves https.',
      ),
    METRICS_ALLOWED_ADDRESSES: listOrCommaString
      .default(SETTINGS_DEFAULTS.METRICS_ALLOWED_ADDRESSES)
      .describe(
        'Addresses or CIDR ranges (the client address, after TRUSTED_PROXIES) that may read /server/metrics. Default: loopback.',
      ),
    METRICS_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters (for example 64 hex characters from openssl rand -hex 32)')
      .optional()
      .describe('Bearer token that opens /server/metrics from any address (Authorization: Bearer <value>).'),
    SHUTDOWN_DRAIN_TIMEOUT: z.coerce
      .number()
      .min(0)
      .max(3600)
      .default(SETTINGS_DEFAULTS.SHUTDOWN_DRAIN_TIMEOUT)
      .describe(
        "Seconds a stopping server (SIGTERM) waits for requests in flight before closing them; keep it below the orchestrator's stop timeout (Docker: 10 s).",
      ),
    LOG_LEVEL: z
      .enum(['debug', 'info', 'warn', 'error'])
      .default(SETTINGS_DEFAULTS.LOG_LEVEL)
      .describe('Least severe log level written.'),
    COMPLIANCE_SERVER_SECRETS: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['auto', 'noone', 'all'], { error: 'must be auto, noone or all' }))
      .default(SETTINGS_DEFAULTS.COMPLIANCE_SERVER_SECRETS)
      .describe(
        "Server secrets (Psono's setting): auto keeps a copy of each LDAP user's keys, encrypted with SECRET_KEY, so a directory password change needs no old password, but the server can then open those keys; noone keeps none. Needs SECRET_KEY; without it the server keeps none.",
      ),
    CORS_ALLOWED_ORIGINS: listOrCommaString
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^(https?|chrome-extension|moz-extension|safari-web-extension):\/\/[^/\s*]+$/,
              'must be an origin such as https://vault.example.com or chrome-extension://<id> (no path, no *)',
            ),
        ),
      )
      .default(SETTINGS_DEFAULTS.CORS_ALLOWED_ORIGINS)
      .describe('Origins (list or comma-separated) whose browsers may call the API; none by default.'),
    VAULT_MAX_BODY_SIZE: z.coerce
      .number()
      .int()
      .min(65_536)
      .default(SETTINGS_DEFAULTS.VAULT_MAX_BODY_SIZE)
      .describe('Largest vault write (datastore or secret) in bytes; larger bodies get 413.'),
    LDAP: z
      .array(ldapEntrySchema)
      .default([])
      .describe('Directories users log in against; each entry serves one LDAP_DOMAIN.'),
  })
  .strict()
  .superRefine(
    (parsed, ctx) => {
      // Runs even when other keys failed (see `when`), so that one run reports every problem;
      // a key that failed still holds its raw input here, so every value is checked before use.
      const settings = parsed as unknown as Record<string, unknown>;
      const seen = new Map<string, number>();
      const entries = Array.isArray(settings.LDAP) ? (settings.LDAP as unknown[]) : [];
      entries.forEach((entry, index) => {
        const raw =
          typeof entry === 'object' && entry !== null
            ? (entry as Record<string, unknown>).LDAP_DOMAIN
            : undefined;
        if (typeof raw !== 'string' || raw.trim() === '') return;
        const domain = raw.trim().toLowerCase();
        const first = seen.get(domain);
        if (first === undefined) {
          seen.set(domain, index);
        } else {
          ctx.addIssue({
            code: 'custom',
            path: ['LDAP', index, 'LDAP_DOMAIN'],
            message: duplicateDomainMessage(domain, first),
          });
        }
      });
      const netbiosSeen = new Map<string, number>();
      entries.forEach((entry, index) => {
        const raw =
          typeof entry === 'object' && entry !== null
            ? (entry as Record<string, unknown>).LDAP_NETBIOS_DOMAIN
            : undefined;
        if (typeof raw !== 'string' || raw.trim() === '') return;
        const name = raw.trim().toUpperCase();
        const first = netbiosSeen.get(name);
        if (first === undefined) {
          netbiosSeen.set(name, index);
        } else {
          ctx.addIssue({
            code: 'custom',
            path: ['LDAP', index, 'LDAP_NETBIOS_DOMAIN'],
            message: `duplicate NetBIOS domain "${name}" (already used by LDAP[${first}]): "${name}\\user" must name one directory`,
          });
        }
      });
      const { PRIVATE_KEY: privateKey, PUBLIC_KEY: publicKey } = settings;
      if ((privateKey === undefined) !== (publicKey === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [privateKey === undefined ? 'PRIVATE_KEY' : 'PUBLIC_KEY'],
          message: 'PRIVATE_KEY and PUBLIC_KEY are a pair: set both or neither',
        });
      } else if (
        isHexKey(privateKey) &&
        isHexKey(publicKey) &&
        toHex(nobleCrypto.x25519PublicKey(fromHex(privateKey))) !== publicKey.toLowerCase()
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['PUBLIC_KEY'],
          message:
            'is not the public key of PRIVATE_KEY (clients would fail to decrypt); run `manage generate-keys` for a matching pair',
        });
      }
      const { HTTP_HEADERS_TIMEOUT: headers, HTTP_REQUEST_TIMEOUT: request } = settings;
      if (typeof headers === 'number' && typeof request === 'number' && request > 0 && headers > request) {
        ctx.addIssue({
          code: 'custom',
          path: ['HTTP_HEADERS_TIMEOUT'],
          message: 'must not be longer than HTTP_REQUEST_TIMEOUT (the headers are part of the request)',
        });
      }
      const { MAX_WEB_TOKEN_TIME_VALID: longest, DEFAULT_TOKEN_TIME_VALID: usual } = settings;
      if (typeof longest === 'number' && typeof usual === 'number' && longest < usual) {
        ctx.addIssue({
          code: 'custom',
          path: ['MAX_WEB_TOKEN_TIME_VALID'],
          message: 'must not be shorter than DEFAULT_TOKEN_TIME_VALID',
        });
      }
    },
    { when: () => true },
  );

/** Message for an `LDAP` entry whose domain an earlier entry (index `first`) already serves. */
function duplicateDomainMessage(domain: string, first: number): string {
  return `duplicate domain "${domain}" (already used by LDAP[${first}]); each entry serves one domain`;
}

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;
