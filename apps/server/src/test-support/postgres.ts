/**
 * A private, disposable PostgreSQL server for tests: Debian's binaries, a temporary data directory,
 * a free loopback port, trust authentication on loopback only. Runs as the `postgres` system user
 * when started as root (PostgreSQL refuses to run as root).
 *
 * @example
 * const postgres = await startPostgres();
 * const db = openDatabase(postgres.config);
 * ...
 * await postgres.stop();
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { DatabaseConfig } from '@ldap-login/config-schema';
import pg from 'pg';

const execFileAsync = promisify(execFile);

export const POSTGRES_BIN_DIR = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface RunningPostgres {
  config: Extract<DatabaseConfig, { kind: 'postgres' }>;
  stop(): Promise<void>;
}

export function postgresAvailable(): boolean {
  return existsSync(join(POSTGRES_BIN_DIR, 'initdb')) && existsSync(join(POSTGRES_BIN_DIR, 'postgres'));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function postgresUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [uid, gid] = await Promise.all([
    execFileAsync('id', ['-u', 'postgres']),
    execFileAsync('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function asPostgres(command: string, args: string[], asRoot: boolean): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export interface StartPostgresOptions {
  /**
   * A data directory kept between runs (the benchmark's cache of large databases): created with
   * initdb when it does not exist yet, left in place on `stop()`. Default: a temporary one, removed
   * on `stop()`.
   */
  dataDir?: string;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const ids = await postgresUserIds();
  const asRoot = ids !== undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ldap-login-pg-'));
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const dataDir = options.dataDir ?? join(dir, 'data');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (options.dataDir) {
      // initdb creates the data directory itself: its parent must be writable by the postgres user.
      mkdirSync(dirname(dataDir), { recursive: true });
      if (ids) chownSync(dirname(dataDir), ids.uid, ids.gid);
      rmSync(dataDir, { recursive: true, force: true });
    }
    const [initdb, initArgs] = asPostgres(
      join(POSTGRES_BIN_DIR, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
      asRoot,
    );
    await execFileAsync(initdb, initArgs, { timeout: 60_000 });
  }

  const port = await freePort();
  const [postgres, args] = asPostgres(
    join(POSTGRES_BIN_DIR, 'postgres'),
    [
      '-D',
      dataDir,
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'max_connections=50',
    ],
    asRoot,
  );
  const child: ChildProcess = spawn(postgres, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });

  const config = {
    kind: 'postgres' as const,
    host: '127.0.0.1',
    port,
    database: 'postgres',
    user: 'postgres',
    password: '',
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  return {
    config,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // Signal the postmaster itself (its pid is the first line of postmaster.pid): runuser does
        // not pass signals on. SIGINT is PostgreSQL's "fast" shutdown, which does not wait for clients.
        const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (Number.isInteger(postmaster) && postmaster > 0) process.kill(postmaster, 'SIGINT');
        else child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
