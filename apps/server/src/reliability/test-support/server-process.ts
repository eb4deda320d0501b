/**
 * The server as its own process, started the way an administrator starts it (`manage serve` with a
 * settings file), for the tests that kill it with SIGKILL or restart it. Its output (the JSON log on
 * stdout, messages on stderr) goes to a `LogCapture`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LdapEntryInput, SettingsInput } from '@ldap-login/config-schema';
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import type { LogCapture } from './log-capture.ts';

const MANAGE = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const START_TIMEOUT_MS = 60_000;

export interface ServerFiles {
  /** Folder with `settings.yaml` and the data directory. */
  folder: string;
  settingsFile: string;
  dataDir: string;
  /** The server's keys and secret, to look for in logs. */
  secrets: { PRIVATE_KEY: string; SECRET_KEY: string };
}

/** Writes a `settings.yaml` (JSON is YAML) for one directory entry, with fresh keys. */
export function writeServerSettings(
  entry: LdapEntryInput,
  overrides: Partial<SettingsInput> = {},
  folder = mkdtempSync(join(tmpdir(), 'ldap-login-reliability-server-')),
): ServerFiles {
  const keys = sodiumCrypto.generateX25519KeyPair();
  const secrets = {
    PRIVATE_KEY: toHex(keys.privateKey),
    SECRET_KEY: toHex(keys.privateKey.map((byte) => byte ^ 0x5a)),
  };
  const dataDir = join(folder, 'data');
  const settings = {
    ...secrets,
    PUBLIC_KEY: toHex(keys.publicKey),
    AUTHENTICATION_METHODS: ['LDAP'],
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    LDAP: [entry],
    ...overrides,
  };
  const settingsFile = join(folder, 'settings.yaml');
  writeFileSync(settingsFile, JSON.stringify(settings, null, 2), { mode: 0o600 });
  return { folder, settingsFile, dataDir, secrets };
}

export class ServerProcess {
  private constructor(
    readonly child: ChildProcess,
    /** Base URL of the API, `http://127.0.0.1:P/server`. */
    readonly api: string,
    private readonly exited: Promise<void>,
  ) {}

  /** Starts `manage serve` and resolves once it listens. */
  static async start(settingsFile: string, logs: LogCapture): Promise<ServerProcess> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('PSONO_') && key !== 'LDAP_LOGIN_SETTINGS') env[key] = value;
    }
    const child = spawn(
      process.execPath,
      ['--import', TSX, MANAGE, 'serve', '--settings', settingsFile, '--host', '127.0.0.1', '--port', '0'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const api = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      let stdout = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the server did not start within ${START_TIMEOUT_MS / 1000} s:\n${stderr}`));
      }, START_TIMEOUT_MS);
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        logs.push(chunk);
        stderr += chunk;
      });
      // The JSON log line "server listening" carries the URL.
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        logs.push(chunk);
        if (stdout.length < 64 * 1024) stdout += chunk;
        const url = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"server listening"/.exec(stdout)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve(`${url}/server`);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${signal ?? `code ${code}`}) before listening:\n${stderr}`));
      });
    });
    return new ServerProcess(child, api, exited);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the server closes cleanly), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
