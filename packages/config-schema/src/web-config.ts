import { z } from 'zod';
import { suggestKey } from './did-you-mean.ts';
import { formatPath } from './finding.ts';

/**
 * The web client's `config.json`, with Psono's key names and defaults. This module runs in the
 * browser: it imports nothing from Node.
 */

/** Login methods a web client can offer (Psono's names). */
const WEB_AUTHENTICATION_METHODS = ['AUTHKEY', 'LDAP', 'SAML', 'OIDC'] as const;

/** Defaults of `config.json`, as Psono's web client applies them. */
export const WEB_CONFIG_DEFAULTS = {
  authentication_methods: [...WEB_AUTHENTICATION_METHODS] as (typeof WEB_AUTHENTICATION_METHODS)[number][],
  allow_custom_server: true,
  allow_registration: true,
  allow_lost_password: true,
  remember_me_default: false,
  trust_device_default: false,
  autoapprove_plain_password: false,
  /** Path of the API below the page's origin, used when a server gives no `url`. */
  server_path: '/server',
  /** Seconds after a copy from the vault before the clipboard is emptied again. */
  clipboard_clear_seconds: 30,
  /** Minutes without input before the vault locks (keys and decrypted entries dropped). */
  vault_lock_minutes: 15,
} as const;

/**
 * Keys of Psono's `config.json` that this client does not use. A file copied from a Psono
 * installation keeps working; the keys are ignored.
 */
const PSONO_UNUSED_WEB_CONFIG_KEYS: readonly string[] = [
  'more_links',
  'saml_provider',
  'oidc_provider',
  'disable_download_bar',
  'allow_delete_account',
  'disable_central_security_reports',
  'authentication_methods_hide',
];

const hexVerifyKey = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, "must be the 64 hex characters of the server's verify_key (see /server/info/)")
  .transform((key) => key.toLowerCase());

const backendServerSchema = z
  .object({
    title: z.string().trim().min(1, 'must not be empty').optional().describe('Name shown for this server.'),
    url: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .optional()
      .describe('URL of the API; absolute or relative to the page. Default: <page origin>/server.'),
    domain: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        'Domain appended to usernames typed without one. Default: the server\'s directory domain when it has exactly one, else the url\'s host without "www.".',
      ),
    verify_key: hexVerifyKey
      .optional()
      .describe('Expected Ed25519 verify key (hex) of the server; the client refuses a server with another.'),
    autoapprove_plain_password: z
      .boolean()
      .default(WEB_CONFIG_DEFAULTS.autoapprove_plain_password)
      .describe('Send the password to this server for LDAP logins without asking the user first.'),
  })
  .strict();

export const webConfigSchema = z
  .object({
    backend_servers: z
      .array(backendServerSchema)
      .min(1, 'needs at least one server')
      .optional()
      .describe('Servers the login page offers; default: the API at <page origin>/server.'),
    authentication_methods: z
      .array(z.enum(WEB_AUTHENTICATION_METHODS))
      .default(WEB_CONFIG_DEFAULTS.authentication_methods)
      .describe('Login methods shown; the username/password form appears only with AUTHKEY or LDAP.'),
    allow_custom_server: z
      .boolean()
      .default(WEB_CONFIG_DEFAULTS.allow_custom_server)
      .describe('Let users type another server URL.'),
    allow_registration: z
      .boolean()
      .default(WEB_CONFIG_DEFAULTS.allow_registration)
      .describe('Show the registration link.'),
    allow_lost_password: z
      .boolean()
      .default(WEB_CONFIG_DEFAULTS.allow_lost_password)
      .describe('Show the lost-password link.'),
    remember_me_default: z
      .boolean()
      .default(WEB_CONFIG_DEFAULTS.remember_me_default)
      .describe('Whether "remember me" starts ticked.'),
    trust_device_default: z
      .boolean()
      .default(WEB_CONFIG_DEFAULTS.trust_device_default)
      .describe('Whether "trust this device" starts ticked.'),
    login_info_text: z.string().optional().describe('Text shown above the login form.'),
    base_url: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .optional()
      .describe('URL the web client is served from; default: <page origin>/.'),
    clipboard_clear_seconds: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(WEB_CONFIG_DEFAULTS.clipboard_clear_seconds)
      .describe('Seconds after copying a username or password before the clipboard is cleared.'),
    vault_lock_minutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .default(WEB_CONFIG_DEFAULTS.vault_lock_minutes)
      .describe('Minutes without input before the vault locks and forgets its keys.'),
  })
  .strict();

export interface BackendServer {
  title: string;
  url: string;
  domain: string;
  /**
   * true when config.json names no domain and `domain` is the url's host (Psono's default): a
   * client then prefers the directory domain the server announces in `/info/` (`ldap_domains`).
   */
  domain_from_url: boolean;
  verify_key?: string;
  autoapprove_plain_password: boolean;
}

/** `config.json` after parsing: every default applied, every server with its url and domain. */
export type WebConfig = Omit<z.output<typeof webConfigSchema>, 'backend_servers' | 'base_url'> & {
  backend_servers: BackendServer[];
  base_url: string;
};

type ParseWebConfigResult = { ok: true; config: WebConfig } | { ok: false; errors: string[] };

/**
 * Validates a parsed `config.json` and fills in the defaults that depend on where the page is
 * served (`origin`, for example `https://vault.example.com`). Errors are one line each, with
 * the key path: `backend_servers[0].verify_key: must be ...`.
 *
 * @example
 * const result = parseWebConfig(await (await fetch('config.json')).json(), location.origin);
 */
export function parseWebConfig(input: unknown, origin: string): ParseWebConfigResult {
  let originUrl: URL;
  try {
    originUrl = new URL(origin);
  } catch {
    return { ok: false, errors: ['the page origin is not a URL'] };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: ['config.json must be a JSON object ({ ... })'] };
  }
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    // "$schema" points editors at schemas/config.schema.json; it is not a setting.
    if (key !== '$schema' && !PSONO_UNUSED_WEB_CONFIG_KEYS.includes(key)) known[key] = value;
  }
  const parsed = webConfigSchema.safeParse(known);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.flatMap(describeIssue) };
  }

  const errors: string[] = [];
  const servers = (parsed.data.backend_servers ?? [{ autoapprove_plain_password: false }]).map(
    (server, index) => {
      let url: URL | undefined;
      try {
        url = new URL(server.url ?? WEB_CONFIG_DEFAULTS.server_path, `${originUrl.origin}/`);
      } catch {
        errors.push(`backend_servers[${index}].url: is not a URL`);
      }
      if (url !== undefined && url.protocol !== 'https:' && url.protocol !== 'http:') {
        errors.push(`backend_servers[${index}].url: must be an http:// or https:// URL`);
      }
      const href = url === undefined ? '' : url.href.replace(/\/+$/, '');
      const domain = server.domain ?? (url === undefined ? '' : url.hostname.replace(/^www\./i, ''));
      const result: BackendServer = {
        title: server.title ?? domain,
        url: href,
        domain,
        domain_from_url: server.domain === undefined,
        autoapprove_plain_password: server.autoapprove_plain_password,
      };
      if (server.verify_key !== undefined) result.verify_key = server.verify_key;
      return result;
    },
  );
  let baseUrl = `${originUrl.origin}/`;
  if (parsed.data.base_url !== undefined) {
    try {
      baseUrl = new URL(parsed.data.base_url, `${originUrl.origin}/`).href;
    } catch {
      errors.push('base_url: is not a URL');
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { ...parsed.data, backend_servers: servers, base_url: baseUrl } };
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const path = issue.path as PropertyKey[];
  if (issue.code === 'unrecognized_keys') {
    const knownKeys = Object.keys(path.length === 0 ? webConfigSchema.shape : backendServerSchema.shape);
    return issue.keys.map((key) => {
      const suggestion = suggestKey(key, knownKeys);
      const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
      return `${formatPath([...path, key])}: unknown key${hint}`;
    });
  }
  const where = path.length === 0 ? 'config.json' : formatPath(path);
  return [`${where}: ${issue.message}`];
}
