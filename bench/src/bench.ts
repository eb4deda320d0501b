/**
 * One benchmark run: a disposable OpenLDAP, the product server and the reference peer, each in
 * its own process; then, over ldap:// and ldaps:// and at each concurrency, the four targets one
 * after the other, so that a change in the machine's load touches them alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ldapEntrySchema } from '@ldap-login/config-schema';
import { startDirectory, type TestDirectory } from '@ldap-login/ldap-core/testing';
import type { Session } from '@ldap-login/server/testing';
import { adShapedEntry, directoryWorkSince, startAdShapedDirectory } from './ad-cell.ts';
import { type BenchUser, benchUsers } from './bench-users.ts';
import type { RunningChild } from './child-process.ts';
import {
  floorLogin,
  floorVaultRead,
  floorVaultWrite,
  seedFloorVault,
  startFloorServer,
} from './floor/floor-target.ts';
import { HttpClient, type RequestTiming, watchUndici } from './http-client.ts';
import { measureLoad, runLoad, runOpenLoop, warmUntilSteady } from './load-runner.ts';
import { stageBreakdown } from './login-stages.ts';
import { loopBreakdown, runQueueWaitMs, scrapeServerLoop, watchOwnLoop } from './loop-delay.ts';
import { type ProductServer, startProductServer } from './product-server.ts';
import {
  type AdCellRecord,
  type BenchReport,
  type FigureDetails,
  figureRatios,
  type RunDetail,
  type RunRecord,
  stageLines,
  throughputRatiosOf,
  type WarmupRecord,
  warmupLine,
} from './report.ts';
import { collectServerTiming, startServerTiming } from './request-timing/server-timing.ts';
import { tcpCounters, tcpCountersSince } from './request-timing/tcp-counters.ts';
import { ldapsConnections, newConnections, type SambaCell, startSambaCell } from './samba-cell.ts';
import type { ScaleSizes } from './scale/big-database.ts';
import { runScaleCells, type ScaleResult } from './scale/scale-cells.ts';
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
import { type BenchVault, createBenchVault } from './targets/vault-target.ts';
import { measureWebSizes, OUR_WEB_DIST } from './web-size.ts';
import { measureWebVault, webVaultRecord } from './web-vault/web-vault.ts';

/** Parts of the run besides the target cells; each can be left out (to profile one thing). */
export const PARTS = ['floor', 'open-loop', 'vault', 'ad', 'scale', 'web'] as const;
export type Part = (typeof PARTS)[number];

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
   * Before a target's first cell over a transport, load until its answering process is in steady
   * state (see `warmUntilSteady`): V8 is still compiling a cold process's code for thousands of
   * requests, and a server runs for days. At least `firstWarmupMs`, at most `steadyMaxMs`.
   */
  firstWarmupMs: number;
  steadyMaxMs: number;
  /** Requests a target's first warm-up makes at least (V8 compiles after calls, not seconds). */
  steadyMinRequests: number;
  /** All warm-ups together: once spent, a warm-up lasts `firstWarmupMs` only. */
  steadyTotalMs: number;
  /** One window of that warm-up, and how closely two consecutive ones must agree (a fraction). */
  steadyWindowMs: number;
  steadyTolerance: number;
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
  /** The open loop's logins per second instead of half the c=16 ldap cell's rate. */
  openLoopRate?: number;
  /** Write a V8 CPU profile of the product server into this folder. */
  cpuProfileDir?: string;
  /** Measure another build of the server's `manage` CLI (to try a change before making it). */
  manageScript?: string;
  /** The parts of the run besides the target cells. */
  parts: Part[];
  /** Entries of the datastore the vault figures read and write. */
  vaultEntries: number;
  /** Vault operations (secret reads and writes) before the final memory figure. */
  rssVaultOps: number;
  /** Sizes of the scale cells' large databases. */
  scaleSizes: ScaleSizes;
  /** Where the large databases are kept between runs. */
  cacheDir: string;
  log: (line: string) => void;
}

/**
 * The warm-up's concurrency, whatever the cell's: the most requests per second (V8 compiles a
 * function after a number of calls), and the concurrency of the figures of merit.
 */
const WARMUP_CONCURRENCY = 16;
/** Print every warm-up window's CPU per request (to choose the window and tolerance). */
const DEBUG_WARMUP = process.env.BENCH_DEBUG_WARMUP === '1';

/** Bounds of the loops that are not cells: account creation and session setup. */
const PREPARE_TIMEOUT_MS = 180_000;
/** The vault operations before the memory figure run this long even when the budget is spent. */
const MIN_VAULT_TOP_UP_MS = 5_000;
/** Stopping the processes and the directory, and writing the result. */
const SHUTDOWN_RESERVE_MS = 10_000;

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date();
  const started = performance.now();
  const { log } = options;
  const has = (part: Part) => options.parts.includes(part);
  const workDir = mkdtempSync(join(tmpdir(), 'ldap-login-bench-'));
  let directory: TestDirectory | undefined;
  let adDirectory: TestDirectory | undefined;
  let samba: SambaCell | undefined;
  let sambaSkipped: string | undefined;
  let server: ProductServer | undefined;
  let peer: RunningChild | undefined;
  let floor: RunningChild | undefined;
  const clients: HttpClient[] = [];
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.allSettled([peer?.stop(), server?.stop(), floor?.stop()]);
    await Promise.allSettled([directory?.stop(), adDirectory?.stop(), samba?.dc.stop()]);
    rmSync(workDir, { recursive: true, force: true });
  };
  const httpClient = (origin: string) => {
    const client = new HttpClient(origin);
    clients.push(client);
    return client;
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
    let adUsers: BenchUser[] = [];
    if (has('ad')) {
      adDirectory = await startAdShapedDirectory(Math.max(options.loginUsers, 8), options.directoryMode);
      adUsers = benchUsers(adDirectory, Math.min(options.loginUsers, options.mode === 'smoke' ? 2 : 16));
      log(`  AD-shaped directory (ad-like, nested groups) ready in ${Math.round(adDirectory.startupMs)} ms`);
      // A real AD (Samba) too, outside the smoke run (which must not need Samba).
      if (options.mode !== 'smoke') {
        log('  starting a Samba AD DC...');
        const started = await startSambaCell(16);
        if (typeof started === 'string') {
          sambaSkipped = started;
          log(`  ${started}: the Samba AD cell is left out`);
        } else {
          samba = started;
          log(`  Samba AD DC ready with ${started.users.length} users in nested groups`);
        }
      }
    }

    server = await startProductServer({
      directory,
      workDir,
      logLevel: options.serverLogLevel,
      ...(adDirectory ? { extraEntries: [adShapedEntry(adDirectory), ...(samba ? [samba.entry] : [])] } : {}),
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
      ...(options.manageScript ? { manageScript: options.manageScript } : {}),
      ...(has('open-loop') ? { requestTimingFile: join(workDir, 'request-timing.json') } : {}),
    });
    const rssBefore = server.rssMb();
    log(`  product server (pid ${server.pid}) at ${server.apiUrl}, RSS ${rssBefore} MB`);
    peer = await startPeerServer(directory, entry, workDir);
    log(`  reference peer (pid ${peer.pid}) at ${peer.readyMatch}`);
    if (has('floor')) {
      floor = await startFloorServer(directory, entry, 'ldap', workDir);
      log(`  floor program (pid ${floor.pid}) at ${floor.readyMatch}`);
    }

    const productHttp = httpClient(server.origin);
    const peerHttp = httpClient(peer.readyMatch);
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
    const warmups: WarmupRecord[] = [];
    // One per target and transport, and the floor's.
    const plannedWarmups = targets.length * options.transports.length + (floor ? 1 : 0);
    const warmedTargets = new Set<string>();
    let warmupSpentMs = 0;
    const warmUp = async (
      name: string,
      transport: Transport | null,
      operation: (worker: number, sequence: number) => Promise<void>,
      answering: RunningChild | undefined,
      concurrency = WARMUP_CONCURRENCY,
    ) => {
      // The minimum count is the process's (its code is warm whichever transport brought it).
      const first = !warmedTargets.has(name);
      warmedTargets.add(name);
      const warm = await warmUntilSteady({
        concurrency,
        operation,
        ...(answering ? { answering } : {}),
        windowMs: options.steadyWindowMs,
        tolerance: options.steadyTolerance,
        minMs: options.firstWarmupMs,
        minRequests: first ? options.steadyMinRequests : 0,
        // At most twice an even share of what is left of the total, so that on a busy machine the
        // first warm-ups do not leave the last ones (the floor's) their minimum only.
        maxMs: Math.min(
          options.steadyMaxMs,
          Math.max(
            options.firstWarmupMs,
            (2 * (options.steadyTotalMs - warmupSpentMs)) / Math.max(1, plannedWarmups - warmups.length),
          ),
        ),
        signal: interruption.signal,
      });
      warmupSpentMs += warm.elapsedMs;
      const record: WarmupRecord = {
        target: name,
        transport,
        concurrency,
        elapsed_ms: warm.elapsedMs,
        requests: warm.requests,
        errors: warm.errors,
        steady: warm.steady,
        first_cpu_ms_per_request: warm.firstCpuMsPerRequest,
        last_cpu_ms_per_request: warm.lastCpuMsPerRequest,
        window_ms: options.steadyWindowMs,
        cpu_of: answering ? 'answering process' : 'load generator',
      };
      warmups.push(record);
      log(`  warm-up${warmupLine(record).slice(1)}`);
      if (DEBUG_WARMUP) log(`    steps: ${warm.steps.join(' ')}`);
    };
    const warmed = new Set<string>();
    for (const transport of options.transports) {
      for (const concurrency of options.concurrencies) {
        for (const target of targets) {
          const answering = target.name === 'peer' ? peer : target.name === 'raw' ? undefined : server;
          if (!warmed.has(`${target.name} ${transport}`)) {
            warmed.add(`${target.name} ${transport}`);
            const cell = await target.openCell(transport, WARMUP_CONCURRENCY);
            try {
              await warmUp(target.name, transport, cell.operation, answering);
            } finally {
              await cell.close();
            }
          }
          const { run, detail } = await measureCell(target, transport, concurrency, answering, options);
          runs.push(run);
          details.push(detail);
          log(
            `  ${target.name.padEnd(14)}${transport.padEnd(6)}c=${String(concurrency).padEnd(3)}` +
              `${String(run.throughput).padStart(6)}/s  p50 ${run.p50_ms} ms  p99 ${run.p99_ms} ms` +
              `  server CPU ${detail.server_cpu_ms_per_request ?? '-'} ms/req` +
              (run.errors > 0 ? `  ERRORS ${run.errors}: ${detail.error_samples.join('; ')}` : ''),
          );
        }
      }
    }

    const figures: FigureDetails = {};
    const productLogin = (sequence: number) => {
      const user = users[sequence % users.length]!;
      return client.login(`${user.login}@${server!.domainFor('ldap')}`, user.password).then(() => {
        counter.logins++;
      });
    };

    if (floor) {
      log(
        'the floor of a login (search, bind, three X25519, two HTTP requests, one session write), c=16 ldap...',
      );
      const floorHttp = httpClient(floor.readyMatch);
      await warmUp('floor', 'ldap', floorLogin(floorHttp, users), floor);
      const measured = await measureLoad({
        concurrency: 16,
        warmupMs: options.warmupMs,
        durationMs: options.cellMs,
        operation: floorLogin(floorHttp, users),
        answering: floor,
        signal: interruption.signal,
      });
      figures.floor = {
        login_cpu_ms: measured.serverCpuMsPerRequest ?? 0,
        logins_per_s: measured.result.throughput,
        errors: measured.result.errors,
        error_samples: measured.result.errorSamples,
      };
      log(`  floor: ${figures.floor.login_cpu_ms} ms CPU per login (${measured.result.throughput}/s)`);
    }

    if (has('open-loop') && needsAccounts) {
      const closed = runs.find(
        (run) => run.target === 'product-login' && run.transport === 'ldap' && run.concurrency === 16,
      );
      const maxRate = closed?.throughput ?? 0;
      if (maxRate > 0 || options.openLoopRate !== undefined) {
        const rate = options.openLoopRate ?? maxRate / 2;
        log(
          `open loop: logins at ${Math.round(rate)}/s (${options.openLoopRate === undefined ? 'half of' : 'fixed; c=16 ldap did'} ${maxRate}/s)...`,
        );
        // The scrape resets the server's event-loop histogram, so the next one covers the cell.
        const loopBefore = await scrapeServerLoop(server.apiUrl);
        const ownLoop = watchOwnLoop();
        const cpuBefore = server.cpuMs();
        const serverRunQueueBefore = runQueueWaitMs(server.pid);
        const ownRunQueueBefore = runQueueWaitMs(process.pid);
        // Each login's requests are timed (see login-stages.ts), by the sequence the loop gives it,
        // and the server records when it received and answered each (request-timing/).
        const requestTimings = new Map<number, RequestTiming[]>();
        startServerTiming(server.pid);
        const undici = watchUndici();
        const tcpBefore = tcpCounters();
        const result = await runOpenLoop({
          ratePerSecond: rate,
          durationMs: options.cellMs,
          maxRequests: Math.ceil((rate * options.cellMs) / 1000),
          operation: async (sequence) => {
            const { requests } = await productHttp.traced(() => productLogin(sequence));
            requestTimings.set(sequence, requests);
          },
          signal: interruption.signal,
        });
        const cpu = server.cpuMs() - cpuBefore;
        const tcp = tcpCountersSince(tcpBefore, tcpCounters());
        const sends = undici.stop();
        const serverTimings = await collectServerTiming(server.pid, join(workDir, 'request-timing.json'));
        const since = (before: number | null, after: number | null) =>
          before === null || after === null ? null : after - before;
        const runQueue = {
          serverMs: since(serverRunQueueBefore, runQueueWaitMs(server.pid)),
          ownMs: since(ownRunQueueBefore, runQueueWaitMs(process.pid)),
          logins: result.requests,
        };
        const own = ownLoop.stop();
        const breakdown = loopBreakdown(
          loopBefore,
          await scrapeServerLoop(server.apiUrl),
          own,
          cpu,
          result.elapsedMs,
          loadavg()[0]!,
          runQueue,
        );
        const stages = stageBreakdown(
          result.answered.map((login) => ({
            lagMs: login.lagMs,
            latencyMs: login.latencyMs,
            requests: requestTimings.get(login.sequence) ?? [],
          })),
          { server: serverTimings, sentAt: sends.sentAt },
        );
        figures.open_loop = {
          max_rate_per_s: maxRate,
          rate_per_s: Math.round(rate),
          sent: result.sent,
          requests: result.requests,
          errors: result.errors,
          p50_ms: result.p50Ms,
          p99_ms: result.p99Ms,
          max_send_lag_ms: result.maxSendLagMs,
          send_lag_p99_ms: result.sendLagP99Ms,
          service_p99_ms: result.serviceP99Ms,
          ...breakdown,
          ...stages,
          load_generator_connections_opened: sends.connectMs.length,
          load_generator_connect_max_ms: Math.round(Math.max(0, ...sends.connectMs) * 100) / 100,
          tcp_counters: tcp,
          server_cpu_ms_per_request:
            result.requests > 0 ? Math.round((cpu / result.requests) * 1000) / 1000 : 0,
          error_samples: result.errorSamples,
        };
        log(
          `  p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms over ${result.requests} logins (sender lag up to ${result.maxSendLagMs} ms)`,
        );
        log(
          `  the tail: p99 from the actual send ${result.serviceP99Ms} ms, send lag p99 ${result.sendLagP99Ms} ms; ` +
            `server event-loop delay p99 ${breakdown.server_loop_delay_p99_ms} ms (max ${breakdown.server_loop_delay_max_ms}), ` +
            `GC ${breakdown.server_gc_pauses} pauses ${breakdown.server_gc_ms} ms (major ${breakdown.server_gc_major_ms}), ` +
            `server CPU ${breakdown.server_cpu_utilisation} of a core; load generator's loop delay p99 ` +
            `${breakdown.load_generator_loop_delay_p99_ms} ms (max ${breakdown.load_generator_loop_delay_max_ms}); load average ${breakdown.load_average}`,
        );
        for (const line of stageLines(figures.open_loop)) log(line);
      }
    }

    let rssVault: BenchVault | undefined;
    let vaultSession: Session | undefined;
    if ((has('vault') || options.rssVaultOps > 0) && needsAccounts) {
      const user = users[0]!;
      vaultSession = await client.login(`${user.login}@${server.domainFor('ldap')}`, user.password);
      counter.logins++;
    }
    if (has('vault') && vaultSession) {
      log(`the vault: a datastore of ${options.vaultEntries} entries and one secret, read and written...`);
      const vault = await createBenchVault(
        vaultSession,
        options.vaultEntries,
        `bench ${options.vaultEntries}`,
      );
      const vaultCell = (operation: () => Promise<void>, answering: RunningChild) =>
        measureLoad({
          concurrency: 1,
          warmupMs: options.warmupMs,
          durationMs: options.cellMs,
          operation,
          answering,
          signal: interruption.signal,
        });
      const read = await vaultCell(() => vault.read(), server);
      const write = await vaultCell(() => vault.write(), server);
      let floorRead: Awaited<ReturnType<typeof vaultCell>> | undefined;
      let floorWrite: Awaited<ReturnType<typeof vaultCell>> | undefined;
      if (floor) {
        const floorHttp = httpClient(floor.readyMatch);
        await seedFloorVault(floorHttp, vault.bytes);
        floorRead = await vaultCell(floorVaultRead(floorHttp, vault.bytes), floor);
        floorWrite = await vaultCell(floorVaultWrite(floorHttp, vault.bytes), floor);
      }
      figures.vault = {
        entries: options.vaultEntries,
        tree_bytes: vault.treeBytes,
        stored_bytes: vault.bytes.datastore.data.length + vault.bytes.secret.data.length,
        read_cpu_ms: read.serverCpuMsPerRequest ?? 0,
        write_cpu_ms: write.serverCpuMsPerRequest ?? 0,
        reads_per_s: read.result.throughput,
        writes_per_s: write.result.throughput,
        read_p50_ms: read.result.p50Ms,
        write_p50_ms: write.result.p50Ms,
        floor_read_cpu_ms: floorRead?.serverCpuMsPerRequest ?? 0,
        floor_write_cpu_ms: floorWrite?.serverCpuMsPerRequest ?? 0,
        errors:
          read.result.errors +
          write.result.errors +
          (floorRead?.result.errors ?? 0) +
          (floorWrite?.result.errors ?? 0),
        error_samples: [
          ...read.result.errorSamples,
          ...write.result.errorSamples,
          ...(floorRead?.result.errorSamples ?? []),
          ...(floorWrite?.result.errorSamples ?? []),
        ],
      };
      log(
        `  read ${figures.vault.read_cpu_ms} ms CPU (floor ${figures.vault.floor_read_cpu_ms}), ` +
          `write ${figures.vault.write_cpu_ms} ms CPU (floor ${figures.vault.floor_write_cpu_ms}), ` +
          `${vault.treeBytes} bytes of tree`,
      );
    }
    if (vaultSession && options.rssVaultOps > 0) {
      rssVault = await createBenchVault(vaultSession, 10, 'bench memory');
    }

    if (adDirectory && needsAccounts) {
      figures.ad = await measureAdCells(
        server,
        client,
        {
          label: 'AD-shaped directory over ldaps (nested groups, no memberOf overlay)',
          cell: 'ad-ldaps',
          domain: adDirectory.domain,
          users: adUsers,
          work: slapdWork(adDirectory),
        },
        counter,
        options,
      );
      figures.ad.directory = `${adDirectory.mode} OpenLDAP, ad-like dataset`;
      if (samba) {
        const sambaFigures = await measureAdCells(
          server,
          client,
          {
            label: 'Samba AD DC over ldaps (nested groups)',
            cell: 'samba-ldaps',
            domain: samba.domain,
            users: samba.users,
            work: socketWork(),
          },
          counter,
          options,
        );
        figures.ad_samba = { ...sambaFigures, directory: 'Samba AD DC' };
      } else if (sambaSkipped) {
        figures.ad_samba = { directory: 'Samba AD DC', cells: [], skipped: sambaSkipped };
      }
    }

    let scale: ScaleResult | undefined;
    if (has('scale')) {
      log(
        `scale: ${options.scaleSizes.users} users, ${options.scaleSizes.sessions} sessions, ` +
          `${options.scaleSizes.secrets} secrets against an empty database, SQLite and PostgreSQL...`,
      );
      scale = await runScaleCells({
        cacheDir: options.cacheDir,
        sizes: options.scaleSizes,
        directory,
        // Each server creates these accounts first (scrypt on both sides): a few are enough.
        users: users.slice(0, Math.min(users.length, options.mode === 'smoke' ? 2 : 8)),
        workDir,
        cellMs: Math.min(options.cellMs, 3000),
        warmupMs: options.warmupMs,
        logLevel: options.serverLogLevel,
        ...(options.manageScript ? { manageScript: options.manageScript } : {}),
        signal: interruption.signal,
        log,
      });
      figures.scale = scale;
    }

    const remainingMs = () => options.budgetMs - SHUTDOWN_RESERVE_MS - (performance.now() - started);
    if (needsAccounts && counter.logins < options.rssLogins && remainingMs() > 0) {
      log(
        `logging in until the server has done ${options.rssLogins} logins (now ${counter.logins}; ` +
          `at most ${Math.round(remainingMs() / 1000)} s)...`,
      );
      const topUp = productLoginTarget(server, client, users, counter);
      const cell = await topUp.openCell(options.transports[0] ?? 'ldap', 16);
      const result = await runLoad({
        concurrency: 16,
        durationMs: remainingMs(),
        maxRequests: options.rssLogins - counter.logins,
        operation: cell.operation,
        signal: interruption.signal,
      });
      await cell.close();
      if (result.errors > 0) log(`  ${result.errors} errors: ${result.errorSamples.join('; ')}`);
    }
    let vaultOps = 0;
    if (rssVault) {
      // Small operations, so at least a few seconds even when the budget is spent.
      const durationMs = Math.max(remainingMs(), MIN_VAULT_TOP_UP_MS);
      log(
        `vault operations until the server has done ${options.rssVaultOps} (at most ${Math.round(durationMs / 1000)} s)...`,
      );
      const vault = rssVault;
      const result = await runLoad({
        concurrency: 16,
        durationMs,
        maxRequests: options.rssVaultOps,
        operation: (_worker, sequence) => vault.small(sequence),
        signal: interruption.signal,
      });
      vaultOps = result.requests;
      if (result.errors > 0) log(`  ${result.errors} errors: ${result.errorSamples.join('; ')}`);
    }
    const rssAfter = server.rssMb();
    const peerRss = peer.rssMb();
    log(`  server RSS ${rssAfter} MB after ${counter.logins} logins and ${vaultOps} vault operations`);

    if (has('web')) {
      figures.web = measureWebSizes();
      // Our client with a large vault in Chromium, on its own directory and in-process server.
      const smoke = options.mode === 'smoke';
      const entries = options.vaultEntries;
      log(`web vault: our client in Chromium with ${entries} entries...`);
      try {
        figures.web.vault = webVaultRecord(
          await measureWebVault({
            entries,
            logins: smoke ? 1 : 3,
            keystrokes: smoke ? 3 : 10,
            webRoot: OUR_WEB_DIST,
            // The run's directory, as the first entry is configured (LDAP, its domain).
            directory: {
              entry: directory.ldapEntry(),
              domain: directory.domain,
              login: users.at(-1)!.login,
              password: users.at(-1)!.password,
            },
          }),
        );
        log(
          `  login click to list ${figures.web.vault.login_to_list_median_ms} ms, keystroke to results ` +
            `${figures.web.vault.keystroke_to_results_median_ms} ms (medians)`,
        );
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        figures.web.notes.push(`the web vault cell did not run: ${reason}`);
        log(`  the web vault cell did not run: ${reason}`);
      }
    }

    const report: BenchReport = {
      runs,
      ratios: figureRatios(details, figures, rssAfter),
      rss_mb_after: rssAfter,
      throughput_ratios: throughputRatiosOf(runs),
      rss_mb_before: rssBefore,
      rss_mb_after_accounts: rssAfterAccounts,
      rss_logins: counter.logins,
      rss_vault_ops: vaultOps,
      peer_rss_mb_after: peerRss,
      details,
      warmups,
      figures,
      environment: {
        mode: options.mode,
        started_at: startedAt.toISOString(),
        duration_s: 0,
        node: process.version,
        cpus: cpus().length,
        directory_mode: directory.mode,
        directory_users: options.directoryUsers,
        login_users: users.length,
        cell_ms: options.cellMs,
        warmup_ms: options.warmupMs,
        first_warmup_ms: options.firstWarmupMs,
        steady_max_ms: options.steadyMaxMs,
        steady_window_ms: options.steadyWindowMs,
        steady_tolerance: options.steadyTolerance,
        steady_min_requests: options.steadyMinRequests,
        steady_total_ms: options.steadyTotalMs,
        account_preparation_ms: preparationMs,
      },
    };
    report.environment.duration_s = Math.round((performance.now() - started) / 100) / 10;
    return report;
  } finally {
    await release();
    activeRelease = undefined;
  }
}

/** What a directory did during a cell: counted from its log, or only the connections from the socket table. */
interface WorkCounter {
  snapshot(): Promise<unknown>;
  since(before: unknown): Promise<{
    connections: number;
    tls_handshakes: number;
    searches: number | null;
    binds: number | null;
  }>;
}

function slapdWork(adDirectory: TestDirectory): WorkCounter {
  return {
    snapshot: () => adDirectory.log(),
    since: async (before) => directoryWorkSince(await adDirectory.log(), before as string),
  };
}

/** Connections to the ldaps port that appeared (Samba: each one a TLS handshake). */
function socketWork(): WorkCounter {
  return {
    snapshot: async () => ldapsConnections(),
    since: async (before) => {
      const opened = newConnections(before as Set<string>, ldapsConnections());
      return { connections: opened, tls_handshakes: opened, searches: null, binds: null };
    },
  };
}

/** The AD cells: product logins over ldaps at concurrency 1 and 16, with the directory's work per login. */
async function measureAdCells(
  server: ProductServer,
  client: ReturnType<typeof protocolClient>,
  directory: { label: string; cell: string; domain: string; users: readonly BenchUser[]; work: WorkCounter },
  counter: LoginCounter,
  options: BenchOptions,
): Promise<{ directory: string; cells: AdCellRecord[] }> {
  const { log } = options;
  const { domain, users: adUsers, work: directoryWork } = directory;
  let adLogins = 0;
  const login = async (sequence: number) => {
    const user = adUsers[sequence % adUsers.length]!;
    await client.login(`${user.login}@${domain}`, user.password);
    counter.logins++;
    adLogins++;
  };
  log(`${directory.label}: ${adUsers.length} accounts...`);
  const first = await runLoad({
    concurrency: 4,
    durationMs: PREPARE_TIMEOUT_MS,
    maxRequests: adUsers.length,
    requestTimeoutMs: 30_000,
    operation: (_worker, sequence) => login(sequence),
  });
  if (first.errors > 0)
    throw new Error(`${directory.cell} first logins failed: ${first.errorSamples.join('; ')}`);
  const cells: AdCellRecord[] = [];
  for (const concurrency of [1, 16]) {
    const before = await directoryWork.snapshot();
    const loginsBefore = adLogins;
    const measured = await measureLoad({
      concurrency,
      warmupMs: options.warmupMs,
      durationMs: options.cellMs,
      operation: (_worker, sequence) => login(sequence),
      answering: server,
      signal: interruption.signal,
    });
    const work = await directoryWork.since(before);
    // The warm-up's logins are counted too: divide by every login of the window.
    const logins = Math.max(1, adLogins - loginsBefore);
    const per = (value: number) => Math.round((value / logins) * 100) / 100;
    cells.push({
      concurrency,
      throughput: measured.result.throughput,
      p50_ms: measured.result.p50Ms,
      p99_ms: measured.result.p99Ms,
      errors: measured.result.errors,
      server_cpu_ms_per_request: measured.serverCpuMsPerRequest ?? 0,
      connections_per_login: per(work.connections),
      tls_handshakes_per_login: per(work.tls_handshakes),
      searches_per_login: work.searches === null ? null : per(work.searches),
      binds_per_login: work.binds === null ? null : per(work.binds),
      error_samples: measured.result.errorSamples,
    });
    const cell = cells.at(-1)!;
    log(
      `  ${directory.cell} c=${concurrency}: ${cell.throughput}/s, p99 ${cell.p99_ms} ms, server CPU ${cell.server_cpu_ms_per_request} ms/login; ` +
        `per login: ${cell.connections_per_login} connections, ${cell.tls_handshakes_per_login} TLS handshakes` +
        (cell.searches_per_login === null ? '' : `, ${cell.searches_per_login} searches`),
    );
  }
  return { directory: directory.label, cells };
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
