import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type Finding,
  formatFinding,
  type LoadSettingsResult,
  loadSettingsFile,
  type Settings,
} from '@ldap-login/config-schema';
import type { CliIo } from './command.ts';

/** Where `manage` looks for settings when `--settings` is not given, in this order. */
export const SETTINGS_LOOKUP_HELP = `Settings file (--settings FILE); without it, the first that exists of:
  $PSONO_SETTINGS, then $LDAP_LOGIN_SETTINGS (a path)
  ./settings.yaml
  ~/.psono_server/settings.yaml
  /etc/ldap-login/settings.yaml`;

export interface SettingsLocation {
  /** Absolute path of the file to read. */
  path: string;
  /** How it was chosen, for messages: `--settings`, `$PSONO_SETTINGS`, `./settings.yaml`, ... */
  source: string;
}

/**
 * The settings file to use: `--settings`, else the first candidate of the lookup order that
 * exists. An explicit choice (option or variable) is returned even when the file is missing, so
 * the loader can say so; `undefined` when nothing was chosen and no default file exists.
 */
export function locateSettings(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  home: string = homedir(),
): SettingsLocation | undefined {
  if (explicit !== undefined) return { path: resolve(cwd, explicit), source: '--settings' };
  for (const name of ['PSONO_SETTINGS', 'LDAP_LOGIN_SETTINGS']) {
    const value = env[name]?.trim();
    if (value) return { path: resolve(cwd, value), source: `$${name}` };
  }
  const candidates: SettingsLocation[] = [
    { path: resolve(cwd, 'settings.yaml'), source: './settings.yaml' },
    { path: join(home, '.psono_server', 'settings.yaml'), source: '~/.psono_server/settings.yaml' },
    { path: '/etc/ldap-login/settings.yaml', source: '/etc/ldap-login/settings.yaml' },
  ];
  return candidates.find((candidate) => existsSync(candidate.path));
}

export type LoadedSettings =
  | { ok: true; location: SettingsLocation; result: Extract<LoadSettingsResult, { ok: true }> }
  | { ok: false; location?: SettingsLocation; errors: Finding[]; warnings: Finding[] };

/**
 * Finds and loads the settings; every problem comes back as findings, nothing is thrown. With
 * `serving` (serve, check-settings, testldap) what the server cannot run with is an error too.
 */
export function loadSettings(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  options: { serving?: boolean } = {},
): LoadedSettings {
  const location = locateSettings(explicit, env, cwd);
  if (!location) {
    return {
      ok: false,
      errors: [
        { path: '', message: `no settings file found; pass --settings FILE.\n${SETTINGS_LOOKUP_HELP}` },
      ],
      warnings: [],
    };
  }
  const result = loadSettingsFile(location.path, { env });
  if (!result.ok) return { ok: false, location, errors: result.errors, warnings: result.warnings };
  const unrunnable = options.serving ? whatServeRefuses(result.settings) : [];
  if (unrunnable.length > 0) return { ok: false, location, errors: unrunnable, warnings: result.warnings };
  return { ok: true, location, result };
}

/**
 * What the schema accepts but the server cannot run with: no key pair, a CA file that cannot be
 * read. Checked here, where every command reads its settings, so that check-settings, testldap
 * and serve accept and refuse the same files (all exit EXIT.USAGE).
 */
export function whatServeRefuses(settings: Settings): Finding[] {
  const findings: Finding[] = [];
  if (settings.PRIVATE_KEY === undefined || settings.PUBLIC_KEY === undefined) {
    findings.push({
      path: settings.PRIVATE_KEY === undefined ? 'PRIVATE_KEY' : 'PUBLIC_KEY',
      message: 'PRIVATE_KEY and PUBLIC_KEY are required to serve; run `manage generate-keys`',
    });
  }
  settings.LDAP.forEach((entry, index) => {
    const file = entry.LDAP_CA_CERT_FILE;
    if (file === undefined) return;
    const problem = unreadableFile(file);
    if (problem !== undefined) {
      findings.push({ path: `LDAP[${index}].LDAP_CA_CERT_FILE`, message: `cannot read ${file}: ${problem}` });
    }
  });
  return findings;
}

function unreadableFile(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'not a file';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

/** Findings as lines, prefixed by the file they come from; a finding about no key is just its message. */
export function formatFindings(findings: Finding[], file?: string): string[] {
  return findings.map((finding) => {
    const text = finding.path === '' && finding.line === undefined ? finding.message : formatFinding(finding);
    return file ? `${file}: ${text}` : text;
  });
}

/**
 * The valid settings for a command that cannot start without them; otherwise each problem goes to
 * standard error and the result is undefined (the command then exits with EXIT.USAGE).
 */
export function loadSettingsOrReport(
  explicit: string | undefined,
  io: CliIo,
  options: { serving?: boolean } = {},
): Extract<LoadedSettings, { ok: true }> | undefined {
  const loaded = loadSettings(explicit, io.env, io.cwd, options);
  if (loaded.ok) return loaded;
  for (const line of formatFindings(loaded.errors, loaded.location?.path)) io.stderr(`error: ${line}\n`);
  return undefined;
}
