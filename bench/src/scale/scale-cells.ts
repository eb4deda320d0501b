/**
 * The scale cells: the product's CPU per login and per vault operation with a large database (N
 * users, sessions and secrets) against an empty one, on SQLite and on PostgreSQL. Each database gets
 * its own server process, logged in to over ldap:// with the benchmark's users (their accounts are
 * created first, unmeasured), then measured at concurrency 16 for logins and 1 for vault operations
 * (a secret read or a secret write, alternating: the rows the large tables hold, looked up through
 * their indexes).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseConfig } from '@ldap-login/config-schema';
import type { TestDirectory } from '@ldap-login/ldap-core/testing';
import { type RunningPostgres, startPostgres } from '@ldap-login/server/testing';
import { type BenchUser, userFor } from '../bench-users.ts';
import { HttpClient } from '../http-client.ts';
import { measureLoad, runLoad } from '../load-runner.ts';
import { type ProductServer, startProductServer } from '../product-server.ts';
import { protocolClient } from '../targets/product-targets.ts';
import { createBenchVault } from '../targets/vault-target.ts';
import { cachedPostgres, cachedSqlite, type ScaleSizes } from './big-database.ts';

export interface ScaleOptions {
  cacheDir: string;
  sizes: ScaleSizes;
  directory: TestDirectory;
  users: readonly BenchUser[];
  workDir: string;
  cellMs: number;
  warmupMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  manageScript?: string;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export type ScaleEngine = 'sqlite' | 'postgres';

export interface ScaleRecord {
  database: ScaleEngine;
  size: 'small' | 'large';
  login_cpu_ms: number;
  logins_per_s: number;
  vault_cpu_ms: number;
  vault_ops_per_s: number;
  errors: number;
  error_samples: string[];
}

export interface ScaleResult {
  sizes: ScaleSizes;
  records: ScaleRecord[];
  /** Time spent building the large databases in this run (0: both came from the cache). */
  build_ms: Record<ScaleEngine, number>;
  /** Large over small, per database. */
  ratios: Record<ScaleEngine, { login: number; vault: number }>;
}

/** The accounts could not be created or a cell failed outright. */
export class ScaleCellError extends Error {
  override readonly name = 'ScaleCellError';
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** The messages of the server's first few error lines (its JSON log holds no secrets), for the report. */
function serverErrors(logFile: string): string[] {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  return lines
    .filter((line) => /"level":(50|60)/.test(line))
    .slice(0, 3)
    .map((line) => `server log: ${line.slice(0, 400)}`);
}

async function measureServer(
  engine: ScaleEngine,
  size: 'small' | 'large',
  database: DatabaseConfig,
  options: ScaleOptions,
): Promise<ScaleRecord> {
  const workDir = join(options.workDir, `scale-${engine}-${size}`);
  mkdirSync(workDir, { recursive: true });
  let server: ProductServer | undefined;
  let http: HttpClient | undefined;
  try {
    server = await startProductServer({
      directory: options.directory,
      workDir,
      logLevel: options.logLevel,
      database,
      ...(options.manageScript ? { manageScript: options.manageScript } : {}),
    });
    http = new HttpClient(server.origin);
    const client = protocolClient(http);
    const domain = server.domainFor('ldap');
    const login = (sequence: number) => {
      const user = userFor(options.users, sequence);
      return client.login(`${user.login}@${domain}`, user.password);
    };
    // First logins (account creation, scrypt on both sides), unmeasured.
    const first = await runLoad({
      concurrency: 4,
      durationMs: 60_000,
      maxRequests: options.users.length,
      requestTimeoutMs: 30_000,
      operation: async (_worker, sequence) => {
        await login(sequence);
      },
    });
    if (first.errors > 0 || first.requests !== options.users.length) {
      throw new ScaleCellError(`${engine} ${size}: first logins failed: ${first.errorSamples.join('; ')}`);
    }
    const logins = await measureLoad({
      concurrency: 16,
      warmupMs: options.warmupMs,
      durationMs: options.cellMs,
      operation: async (_worker, sequence) => {
        await login(sequence);
      },
      answering: server,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const session = await login(0);
    const vault = await createBenchVault(session, 10, `scale ${engine} ${size} ${Date.now()}`);
    const vaultOps = await measureLoad({
      // One user's reads and writes of one secret, one after the other.
      concurrency: 1,
      warmupMs: options.warmupMs,
      durationMs: options.cellMs,
      operation: (_worker, sequence) => vault.small(sequence),
      answering: server,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      database: engine,
      size,
      login_cpu_ms: logins.serverCpuMsPerRequest ?? 0,
      logins_per_s: logins.result.throughput,
      vault_cpu_ms: vaultOps.serverCpuMsPerRequest ?? 0,
      vault_ops_per_s: vaultOps.result.throughput,
      errors: logins.result.errors + vaultOps.result.errors,
      error_samples: [
        ...logins.result.errorSamples,
        ...vaultOps.result.errorSamples,
        ...(logins.result.errors + vaultOps.result.errors > 0 ? serverErrors(server.logFile) : []),
      ],
    };
  } finally {
    await http?.close();
    await server?.stop();
  }
}

export async function runScaleCells(options: ScaleOptions): Promise<ScaleResult> {
  const { log } = options;
  const records: ScaleRecord[] = [];
  const build_ms: Record<ScaleEngine, number> = { sqlite: 0, postgres: 0 };

  let started = performance.now();
  const sqlite = await cachedSqlite(options.cacheDir, options.sizes);
  if (sqlite.built) build_ms.sqlite = Math.round(performance.now() - started);
  log(`  SQLite: large database ${sqlite.built ? `built in ${build_ms.sqlite} ms` : 'from the cache'}`);
  records.push(
    await measureServer(
      'sqlite',
      'small',
      { kind: 'sqlite', file: join(options.workDir, 'scale-small.sqlite3') },
      options,
    ),
  );
  records.push(await measureServer('sqlite', 'large', { kind: 'sqlite', file: sqlite.file }, options));

  let postgres: RunningPostgres | undefined;
  try {
    started = performance.now();
    postgres = await startPostgres({ dataDir: join(options.cacheDir, 'postgres') });
    const databases = await cachedPostgres(postgres.config, options.sizes);
    if (databases.built) build_ms.postgres = Math.round(performance.now() - started);
    log(
      `  PostgreSQL: large database ${databases.built ? `built in ${build_ms.postgres} ms` : 'from the cache'}`,
    );
    records.push(await measureServer('postgres', 'small', databases.small, options));
    records.push(await measureServer('postgres', 'large', databases.large, options));
  } finally {
    await postgres?.stop();
  }

  const ratioOf = (engine: ScaleEngine, field: 'login_cpu_ms' | 'vault_cpu_ms') => {
    const small = records.find((record) => record.database === engine && record.size === 'small')?.[field];
    const large = records.find((record) => record.database === engine && record.size === 'large')?.[field];
    return small && large ? round3(large / small) : 0;
  };
  for (const record of records) {
    log(
      `  ${record.database.padEnd(9)}${record.size.padEnd(6)} login ${record.login_cpu_ms} ms CPU (${record.logins_per_s}/s), ` +
        `vault op ${record.vault_cpu_ms} ms CPU (${record.vault_ops_per_s}/s)` +
        (record.errors > 0 ? `  ERRORS ${record.errors}: ${record.error_samples.join('; ')}` : ''),
    );
  }
  return {
    sizes: options.sizes,
    records,
    build_ms,
    ratios: {
      sqlite: { login: ratioOf('sqlite', 'login_cpu_ms'), vault: ratioOf('sqlite', 'vault_cpu_ms') },
      postgres: { login: ratioOf('postgres', 'login_cpu_ms'), vault: ratioOf('postgres', 'vault_cpu_ms') },
    },
  };
}
