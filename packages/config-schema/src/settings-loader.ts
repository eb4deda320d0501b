import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type DatabaseConfig, databaseConfigFrom } from './database-config.ts';
import { suggestKey } from './did-you-mean.ts';
import { applyEnvironmentOverrides, type Environment, isPlainObject } from './environment-overrides.ts';
import { type Finding, formatPath } from './finding.ts';
import { isWideProxyRange, parseIpRange, WIDEST_PROXY_PREFIX } from './ip-range.ts';
import { PSONO_UNUSED_SETTINGS_KEYS } from './psono-settings-keys.ts';
import { ldapEntrySchema, type Settings, settingsSchema } from './settings-schema.ts';
import { locateInDocument, positionOf } from './yaml-locations.ts';

export type LoadSettingsResult =
  | { ok: true; settings: Settings; warnings: Finding[]; dataDir: string; database: DatabaseConfig }
  | { ok: false; errors: Finding[]; warnings: Finding[] };

interface LoadSettingsTextOptions {
  /** Environment variables for `PSONO_<KEY>` overrides; none when omitted. */
  env?: Environment;
  /** Path of the file the text came from; its folder is the default `baseDir`. */
  fileName?: string;
  /** Folder that relative paths in the settings (DATA_DIR, LDAP_CA_CERT_FILE) are resolved against. */
  baseDir?: string;
}

/** Name of the data folder beside the settings file when `DATA_DIR` is not set. */
const DEFAULT_DATA_DIR_NAME = 'data';

const SETTINGS_KEYS: readonly string[] = Object.keys(settingsSchema.shape);
const LDAP_ENTRY_KEYS: readonly string[] = Object.keys(ldapEntrySchema.shape);
const DATABASE_KEYS: readonly string[] = ['ENGINE', 'NAME', 'USER', 'PASSWORD', 'HOST', 'PORT'];
const PSONO_KEYS = new Set(PSONO_UNUSED_SETTINGS_KEYS);

/**
 * Reads and validates a `settings.yaml` file. Every problem is reported at once, each with its
 * key path and line; nothing in the result ever contains a secret's value except `settings`
 * (and `database`) themselves, which is what the server runs with.
 *
 * @example
 * const result = loadSettingsFile('/etc/vault/settings.yaml');
 * if (!result.ok) for (const error of result.errors) console.error(formatFinding(error));
 */
export function loadSettingsFile(
  path: string,
  { env = process.env }: { env?: Environment } = {},
): LoadSettingsResult {
  let text: string;
  let mode: number;
  try {
    const fd = openSync(path, 'r');
    try {
      mode = fstatSync(fd).mode;
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : code;
    return { ok: false, errors: [{ path: '', message: `cannot read ${path}: ${reason}` }], warnings: [] };
  }
  const result = loadSettingsText(text, { env, fileName: path });
  const permissions = filePermissionFinding(mode);
  if (permissions !== undefined) result.warnings.unshift(permissions);
  return result;
}

/**
 * A warning when the settings file can be read by others than its owner: it holds the server's
 * private key and the directory's service password. Windows has no such mode bits.
 */
export function filePermissionFinding(
  mode: number,
  platform: NodeJS.Platform = process.platform,
): Finding | undefined {
  if (platform === 'win32') return undefined;
  const readers = [mode & 0o040 ? 'its group' : '', mode & 0o004 ? 'every user' : ''].filter(Boolean);
  if (readers.length === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  return {
    path: '',
    message:
      `the file is readable by ${readers.join(' and ')} (mode ${octal}) and holds PRIVATE_KEY, SECRET_KEY and ` +
      "LDAP_BIND_PASS: make it readable by the server's user only (chmod 600, and chown to that user)",
  };
}

/**
 * Validates the text of a `settings.yaml` (YAML 1.1, as Psono's PyYAML reads it: `True`,
 * `False`, `yes` and `no` are booleans), applying `PSONO_<KEY>` overrides from `env` first.
 */
export function loadSettingsText(text: string, options: LoadSettingsTextOptions = {}): LoadSettingsResult {
  const baseDir = resolve(
    options.baseDir ?? (options.fileName === undefined ? '.' : dirname(resolve(options.fileName))),
  );
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    version: '1.1',
    lineCounter,
    // Pretty errors quote the offending source line, which may hold a password.
    prettyErrors: false,
    uniqueKeys: true,
  });
  const at = (offset: number | undefined) => (offset === undefined ? {} : positionOf(lineCounter, offset));
  const warnings: Finding[] = document.warnings.map((warning) => ({
    path: '',
    ...at(warning.pos[0]),
    message: warning.message,
  }));
  if (document.errors.length > 0) {
    const errors = document.errors.map((error) => ({
      path: '',
      ...at(error.pos[0]),
      message: `YAML syntax error: ${error.message}`,
    }));
    return { ok: false, errors, warnings };
  }

  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return {
      ok: false,
      errors: [{ path: '', message: `YAML error: ${(error as Error).message}` }],
      warnings,
    };
  }
  if (raw === null || raw === undefined) raw = {};
  if (!isPlainObject(raw)) {
    return {
      ok: false,
      errors: [
        { path: '', line: 1, column: 1, message: 'the file must be a map of settings (KEY: value lines)' },
      ],
      warnings,
    };
  }

  const errors: Finding[] = [];
  const position = (path: readonly PropertyKey[], part: 'key' | 'value' = 'value') =>
    locateInDocument(document, lineCounter, path, part) ?? {};

  // Unknown top-level keys: Psono's own keys are tolerated so a Psono file can be reused as is.
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (SETTINGS_KEYS.includes(key)) {
      known[key] = value;
    } else if (PSONO_KEYS.has(key)) {
      warnings.push({
        path: key,
        ...position([key], 'key'),
        message: 'Psono setting that this server does not use; ignored',
      });
    } else {
      errors.push({
        path: key,
        ...position([key], 'key'),
        message: unknownKeyMessage(key, [...SETTINGS_KEYS, ...PSONO_UNUSED_SETTINGS_KEYS]),
      });
    }
  }

  const { data, sources } = applyEnvironmentOverrides(known, options.env ?? {}, SETTINGS_KEYS);
  const locate = (path: readonly PropertyKey[], part: 'key' | 'value' = 'value') => {
    const variable = typeof path[0] === 'string' ? sources.get(path[0]) : undefined;
    return variable === undefined ? { ...position(path, part), variable } : { variable };
  };
  const finding = (
    path: readonly PropertyKey[],
    message: string,
    part: 'key' | 'value' = 'value',
  ): Finding => {
    const { variable, ...where } = locate(path, part);
    return {
      path: formatPath(path),
      ...where,
      message: variable ? `${message} (set by ${variable})` : message,
    };
  };

  const pairList = singlePairListProblem(data.LDAP);
  if (pairList !== undefined) {
    errors.push(finding(['LDAP'], pairList));
    delete data.LDAP;
  }

  const parsed = settingsSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      errors.push(...issueFindings(issue, data, finding));
    }
  }
  if (errors.length > 0 || !parsed.success) {
    return { ok: false, errors: sortFindings(errors), warnings: sortFindings(warnings) };
  }

  const settings = parsed.data;
  for (const entry of settings.LDAP) {
    if (entry.LDAP_CA_CERT_FILE !== undefined && !isAbsolute(entry.LDAP_CA_CERT_FILE)) {
      entry.LDAP_CA_CERT_FILE = resolve(baseDir, entry.LDAP_CA_CERT_FILE);
    }
  }
  warnings.push(...advisoryFindings(settings, finding));
  const dataDir = resolve(baseDir, settings.DATA_DIR ?? DEFAULT_DATA_DIR_NAME);
  return {
    ok: true,
    settings,
    warnings: sortFindings(warnings),
    dataDir,
    database: databaseConfigFrom(settings, dataDir),
  };
}

type MakeFinding = (path: readonly PropertyKey[], message: string, part?: 'key' | 'value') => Finding;

function issueFindings(issue: z.core.$ZodIssue, data: unknown, finding: MakeFinding): Finding[] {
  const path = issue.path as PropertyKey[];
  if (issue.code === 'unrecognized_keys') {
    const knownKeys = knownKeysAt(path);
    return issue.keys.map((key) => finding([...path, key], unknownKeyMessage(key, knownKeys), 'key'));
  }
  const value = valueAt(data, path);
  if (issue.code === 'invalid_type') {
    if (formatPath(path) === 'LDAP' && isPlainObject(value)) {
      return [
        finding(
          path,
          'must be a list of directory entries, but the value is one map; put "- " before its first key',
        ),
      ];
    }
    return [finding(path, typeMessage([issue.expected], value))];
  }
  if (issue.code === 'invalid_union' && issue.message === 'Invalid input') {
    const expected = issue.errors.flatMap((branch) =>
      branch.flatMap((inner) =>
        inner.code === 'invalid_type' && inner.path.length === 0 ? [inner.expected] : [],
      ),
    );
    if (expected.length > 0) return [finding(path, typeMessage(expected, value))];
    const first = issue.errors.find((branch) => branch.length > 0)?.[0];
    if (first !== undefined)
      return issueFindings({ ...first, path: [...path, ...first.path] }, data, finding);
  }
  return [finding(path, issue.message)];
}

/** "must be text, but the value is a number; write it in quotes" — never the value itself. */
function typeMessage(expected: readonly string[], value: unknown): string {
  const wanted = [...new Set(expected.map(describeExpected))].join(' or ');
  if (value === undefined) return `required key is missing (${wanted})`;
  const quoteHint =
    expected.includes('string') && (typeof value === 'number' || typeof value === 'boolean')
      ? '; write it in quotes (unquoted numbers and yes/no/True/False are read as other types)'
      : '';
  return `must be ${wanted}, but the value is ${describeValue(value)}${quoteHint}`;
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'number':
    case 'int':
      return 'a number';
    case 'boolean':
      return 'True or False';
    case 'array':
    case 'tuple':
      return 'a list';
    case 'object':
      return 'a map (KEY: value)';
    default:
      return expected;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean (True/False/yes/no)';
    case 'object':
      return 'a map';
    default:
      return typeof value;
  }
}

function unknownKeyMessage(key: string, knownKeys: readonly string[]): string {
  const suggestion = suggestKey(key, knownKeys);
  return suggestion === undefined ? 'unknown key' : `unknown key (did you mean ${suggestion}?)`;
}

function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return SETTINGS_KEYS;
  if (path[0] === 'LDAP') return LDAP_ENTRY_KEYS;
  if (path[0] === 'DATABASES') return path.length === 1 ? ['default'] : DATABASE_KEYS;
  return [];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/**
 * Psono's documentation writes `LDAP : [ 'LDAP_URL': 'x', 'LDAP_DOMAIN': 'y' ]`, which YAML reads
 * as a list of one-key maps instead of one entry. Recognise that shape and say how to fix it.
 */
function singlePairListProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const keys: string[] = [];
  for (const item of value) {
    if (!isPlainObject(item)) return undefined;
    const itemKeys = Object.keys(item);
    if (itemKeys.length !== 1 || !itemKeys[0]?.toUpperCase().startsWith('LDAP_')) return undefined;
    keys.push(itemKeys[0]);
  }
  const shown = keys.slice(0, 2).map((key) => `'${key}': ...`);
  return (
    `is a list of ${keys.length} single-key maps (${keys.join(', ')}), not a list of directory entries: ` +
    `YAML reads "[ 'LDAP_URL': ..., 'LDAP_DOMAIN': ... ]" as one map per key. ` +
    `Put each directory's keys inside braces, "LDAP: [ { ${shown.join(', ')}, ... } ]", ` +
    'or write a block list: "LDAP:" then "  - LDAP_URL: ..." with the other keys of that entry ' +
    'indented under it as "    LDAP_DOMAIN: ..."'
  );
}

/** Findings that do not stop the server but that an administrator should read. */
function advisoryFindings(settings: Settings, finding: MakeFinding): Finding[] {
  const warnings: Finding[] = [];
  if (settings.LDAP.length > 0 && !settings.AUTHENTICATION_METHODS.includes('LDAP')) {
    warnings.push(
      finding(
        ['AUTHENTICATION_METHODS'],
        'does not contain LDAP, so the LDAP entries are not used for logins; add LDAP',
      ),
    );
  }
  if (settings.AUTHENTICATION_METHODS.includes('LDAP') && settings.LDAP.length === 0) {
    warnings.push(finding(['LDAP'], 'AUTHENTICATION_METHODS contains LDAP but no LDAP entry is configured'));
  }
  settings.TRUSTED_PROXIES.forEach((entry, index) => {
    const range = parseIpRange(entry);
    if (range === undefined || !isWideProxyRange(range)) return;
    warnings.push(
      finding(
        ['TRUSTED_PROXIES', index],
        `trusts a whole /${range.prefix} network: any host in it can claim any client address in X-Forwarded-For and so escape the per-address throttle; list the proxies' own addresses (or a range no wider than /${WIDEST_PROXY_PREFIX[range.family]})`,
      ),
    );
  });
  settings.LDAP.forEach((entry, index) => {
    if (!entry.LDAP_TLS_VERIFY) {
      warnings.push(
        finding(
          ['LDAP', index, 'LDAP_TLS_VERIFY'],
          "is False: the directory's certificate is not checked, so anyone on the network path can read passwords",
        ),
      );
    }
    if (!entry.LDAP_START_TLS && entry.LDAP_URL.some((url) => url.toLowerCase().startsWith('ldap:'))) {
      warnings.push(
        finding(
          ['LDAP', index, 'LDAP_URL'],
          'uses ldap:// without LDAP_START_TLS: passwords travel unencrypted; use ldaps:// or set LDAP_START_TLS: True',
        ),
      );
    }
  });
  return warnings;
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort(
      (a, b) =>
        (a.finding.line ?? Number.MAX_SAFE_INTEGER) - (b.finding.line ?? Number.MAX_SAFE_INTEGER) ||
        a.index - b.index,
    )
    .map(({ finding }) => finding);
}
