/**
 * One benchmark run: a disposable OpenLDAP, the product server and the reference peer, each in
 * its own process; then, over ldap:// and ldaps:// and at each concurrency, the four targets one
 * after the other, so that a change in the machine's load touches them alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ldapEntrySchema } from '@ldap-login/config-schema';
import { startDirectory, type TestDirectory } from '@ldap-login/ldap-core/testing';
import { benchUsers } from './bench-users.ts';
import type { RunningChild } from './child-process.ts';
import { HttpClient } from './http-client.ts';
import { measureLoad, runLoad } from './load-runner.ts';
import { type ProductServer, startProductServer } from './product-server.ts';
import { type BenchReport, type RunDetail, type RunRecord, ratiosOf } from './report.ts';
import { peerTarget, startPeerServer } from './targets/peer-target.ts';
import {
  type LoginCounter,
  prepareAccounts,
  productLoginTarget,
  productUserTarget,
  protocolClient,
} from './targets/product-targets.ts';
import { rawTarget } from './targets/raw-target.ts';
import type { Target, TargetName, Transport } from './targets/target.ts';

export interface BenchOptions {
  mode: 'full' | 'smoke';
  /** Generated users in the directory. */
  directoryUsers: number;
  /** Users the targets log in with, round-robin (each has an account before measuring starts). */
  loginUsers: number;
  transports: Transport[];
  concurrencies: number[];
  targets: TargetName[];
  /** Measured time per cell. */
  cellMs: number;
  /** Unmeasured load before each cell (pools, JIT). */
  warmupMs: number;
  /**
   * Unmeasured load before a target's first cell instead: the processes' code is still being
   * compiled then (V8 optimises a function after many calls), and the first cell paid for it.
   */
  firstWarmupMs: number;
  /** Logins the product server must have completed before its final memory figure. */
  rssLogins: number;
  /**
   * The whole run's time budget: logging in towards `rssLogins` after the cells stops when it is
   * spent (less a reserve for shutting down).
   */
  budgetMs: number;
  directoryMode: 'auto' | 'container' | 'native';
  serverLogLevel: 'debug' | 'info' | 'warn' | 'error';
  /** LDAP_POOL_SIZE for the product; undefined keeps its default. */
  poolSize?: number;
  /** Write a V8 CPU profile of the product server into this folder. */
  cpuProfileDir?: string;
  /** Measure another build of the server's `manage` CLI (to try a change before making it). */
  manageScript?: string;
  log: (line: string) => void;
}

/** Bounds of the loops that are not cells: account creation and session setup. */
const PREPARE_TIMEOUT_MS = 120_000;
/** Stopping the processes and the directory, and writing the result. */
const SHUTDOWN_RESERVE_MS = 10_000;

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date();
  const started = performance.now();
  const { log } = options;
  const workDir = mkdtempSync(join(tmpdir(), 'ldap-login-bench-'));
  let directory: TestDirectory | undefined;
  let server: ProductServer | undefined;
  let peer: RunningChild | undefined;
  let productHttp: HttpClient | undefined;
  let peerHttp: HttpClient | undefined;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await Promise.allSettled([productHttp?.close(), peerHttp?.close()]);
    await Promise.allSettled([peer?.stop(), server?.stop(), directory?.stop()]);
    rmSync(workDir, { recursive: true, force: true });
  };
  activeRelease = release;
  try {
    log(`starting a test directory with ${options.directoryUsers} generated users...`);
    directory = await startDirectory({
      dataset: 'openldap-memberof',
      extraUsers: options.directoryUsers,
      // A few users per group: every login brings one group along, as in a real directory.
      extraGroups: Math.max(1, Math.floor(options.directoryUsers / 20)),
      largeGroupSize: 0,
      mode: options.directoryMode,
    });
    log(`  ${directory.mode} directory ready in ${Math.round(directory.startupMs)} ms`);
    const entry = ldapEntrySchema.parse(directory.ldapEntry());
    const users = benchUsers(directory, options.loginUsers);

    server = await startProductServer({
      directory,
      workDir,
      logLevel: options.serverLogLevel,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
      ...(options.manageScript ? { manageScript: options.manageScript } : {}),
    });
    const rssBefore = server.rssMb();
    log(`  product server (pid ${server.pid}) at ${server.apiUrl}, RSS ${rssBefore} MB`);
    peer = await startPeerServer(directory, entry, workDir);
    log(`  reference peer (pid ${peer.pid}) at ${peer.readyMatch}`);

    productHttp = new HttpClient(server.origin);
    peerHttp = new HttpClient(peer.readyMatch);
    const client = protocolClient(productHttp);
    const counter: LoginCounter = { logins: 0 };
    const needsAccounts = options.targets.some((name) => name.startsWith('product-'));
    let preparationMs = 0;
    if (needsAccounts) {
      log(`creating ${users.length} accounts per transport (first logins: scrypt on both sides)...`);
      preparationMs = (await prepareAccounts(server, client, users, counter, PREPARE_TIMEOUT_MS)).elapsedMs;
      log(`  done in ${preparationMs} ms`);
    }
    const rssAfterAccounts = server.rssMb();

    const targets: Target[] = [
      rawTarget(directory, entry, users),
      productLoginTarget(server, client, users, counter),
      productUserTarget(server, client, users, counter),
      peerTarget(peerHttp, users),
    ].filter((target) => options.targets.includes(target.name));

    const runs: RunRecord[] = [];
    const details: RunDetail[] = [];
    const warmed = new Set<TargetName>();
    for (const transport of options.transports) {
      for (const concurrency of options.concurrencies) {
        for (const target of targets) {
          const answering = target.name === 'peer' ? peer : target.name === 'raw' ? undefined : server;
          const warmupMs = warmed.has(target.name) ? options.warmupMs : options.firstWarmupMs;
          warmed.add(target.name);
          const { run, detail } = await measureCell(target, transport, concurrency, answering, {
            ...options,
            warmupMs,
          });
          runs.push(run);
          details.push(detail);
          log(
            `  ${target.name.padEnd(14)}${transport.padEnd(6)}c=${String(concurrency).padEnd(3)}` +
              `${String(run.throughput).padStart(6)}/s  p50 ${run.p50_ms} ms  p99 ${run.p99_ms} ms` +
              (run.errors > 0 ? `  ERRORS ${run.errors}: ${detail.error_samples.join('; ')}` : ''),
          );
        }
      }
    }

    const remainingMs = options.budgetMs - SHUTDOWN_RESERVE_MS - (performance.now() - started);
    if (needsAccounts && counter.logins < options.rssLogins && remainingMs > 0) {
      log(
        `logging in until the server has done ${options.rssLogins} logins (now ${counter.logins}; ` +
          `at most ${Math.round(remainingMs / 1000)} s)...`,
      );
      const topUp = productLoginTarget(server, client, users, counter);
      const cell = await topUp.openCell(options.transports[0] ?? 'ldap', 16);
      const result = await runLoad({
        concurrency: 16,
        durationMs: remainingMs,
        maxRequests: options.rssLogins - counter.logins,
        operation: cell.operation,
        signal: interruption.signal,
      });
      await cell.close();
      if (result.errors > 0) log(`  ${result.errors} errors: ${result.errorSamples.join('; ')}`);
    }
    const rssAfter = server.rssMb();
    const peerRss = peer.rssMb();
    log(`  server RSS ${rssAfter} MB after ${counter.logins} logins`);

    return {
      runs,
      ratios: ratiosOf(runs),
      rss_mb_after: rssAfter,
      rss_mb_before: rssBefore,
      rss_mb_after_accounts: rssAfterAccounts,
      rss_logins: counter.logins,
      peer_rss_mb_after: peerRss,
      details,
      environment: {
        mode: options.mode,
        started_at: startedAt.toISOString(),
        duration_s: Math.round((performance.now() - started) / 100) / 10,
        node: process.version,
        cpus: cpus().length,
        directory_mode: directory.mode,
        directory_users: options.directoryUsers,
        login_users: users.length,
        cell_ms: options.cellMs,
        warmup_ms: options.warmupMs,
        first_warmup_ms: options.firstWarmupMs,
        account_preparation_ms: preparationMs,
      },
    };
  } finally {
    await release();
    activeRelease = undefined;
  }
}

let activeRelease: (() => Promise<void>) | undefined;
/** Aborted on interruption: the load loops stop before the processes they drive go away. */
const interruption = new AbortController();

/**
 * Stops what a running `runBench` started (processes, directory, temporary files), for a signal
 * handler: the benchmark's processes must not outlive it when it is interrupted.
 */
export async function stopRunningBench(): Promise<void> {
  interruption.abort();
  await activeRelease?.();
}

async function measureCell(
  target: Target,
  transport: Transport,
  concurrency: number,
  answering: RunningChild | undefined,
  options: BenchOptions,
): Promise<{ run: RunRecord; detail: RunDetail }> {
  const cell = await target.openCell(transport, concurrency);
  try {
    const { result, serverCpuMsPerRequest, clientCpuMsPerRequest } = await measureLoad({
      concurrency,
      warmupMs: options.warmupMs,
      durationMs: options.cellMs,
      operation: cell.operation,
      ...(answering ? { answering } : {}),
      signal: interruption.signal,
    });
    return {
      run: {
        target: target.name,
        transport,
        concurrency,
        throughput: result.throughput,
        p50_ms: result.p50Ms,
        p99_ms: result.p99Ms,
        errors: result.errors,
      },
      detail: {
        target: target.name,
        transport,
        concurrency,
        requests: result.requests,
        elapsed_ms: result.elapsedMs,
        server_cpu_ms_per_request: serverCpuMsPerRequest,
        client_cpu_ms_per_request: clientCpuMsPerRequest,
        error_samples: result.errorSamples,
      },
    };
  } finally {
    await cell.close();
  }
}
