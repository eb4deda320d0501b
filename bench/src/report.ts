/**
 * The benchmark's result: `runs`, `ratios` and `rss_mb_after` in the shape the issue fixes (other
 * tools read them), plus details that explain the figures.
 */

import type { LoginStages, StageBreakdown } from './login-stages.ts';
import type { LoopBreakdown } from './loop-delay.ts';
import type { RequestSegments } from './request-timing/server-timing.ts';
import type { TcpCounter } from './request-timing/tcp-counters.ts';
import type { ScaleResult } from './scale/scale-cells.ts';
import type { TargetName, Transport } from './targets/target.ts';
import type { JsSize, WebSizes } from './web-size.ts';

export interface RunRecord {
  target: TargetName;
  transport: Transport;
  concurrency: number;
  throughput: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

export interface RunDetail {
  target: TargetName;
  transport: Transport;
  concurrency: number;
  requests: number;
  elapsed_ms: number;
  /** CPU of the process that answers (product server or peer) per successful request; null for raw. */
  server_cpu_ms_per_request: number | null;
  /** CPU of the load generator per successful request (client crypto, HTTP, LDAP client). */
  client_cpu_ms_per_request: number;
  error_samples: string[];
}

/** The issue's figures of merit, each from this one run (0 where its part did not run). */
export interface Ratios {
  /** Server CPU per login over the peer's, both answering the same logins at c16. */
  server_cpu_vs_peer_c16_ldap: number;
  server_cpu_vs_peer_c16_ldaps: number;
  /** Server CPU per login over the measured floor's, c16 over ldap. */
  server_cpu_vs_floor_c16_ldap: number;
  /** p99 latency (ms) of logins sent open-loop at half the measured maximum rate. */
  login_p99_open_loop_ms: number;
  /** Server CPU to read / write the datastore (and one secret) over the floor's for the same bytes. */
  vault_read_cpu_vs_floor_5000: number;
  vault_write_cpu_vs_floor_5000: number;
  /** Large database over empty, the worse of SQLite and PostgreSQL. */
  login_cpu_large_vs_small_db: number;
  vault_cpu_large_vs_small_db: number;
  /** Server RSS after the logins and vault operations. */
  rss_mb_after: number;
}

/** Login throughput at concurrency 16 over raw and over the peer (the earlier issue's figures). */
export interface ThroughputRatios {
  login_vs_raw_c16_ldap: number;
  login_vs_peer_c16_ldap: number;
  login_vs_raw_c16_ldaps: number;
  login_vs_peer_c16_ldaps: number;
}

export interface AdCellRecord {
  concurrency: number;
  throughput: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  server_cpu_ms_per_request: number;
  connections_per_login: number;
  tls_handshakes_per_login: number;
  /** null where the directory cannot count them (Samba keeps no log of each operation). */
  searches_per_login: number | null;
  binds_per_login: number | null;
  error_samples: string[];
}

/** The measurements behind the ratios, by part of the run. */
export interface FigureDetails {
  floor?: { login_cpu_ms: number; logins_per_s: number; errors: number; error_samples: string[] };
  open_loop?: LoopBreakdown &
    StageBreakdown & {
      /** p99 of the send lag, and p99 latency from the actual send (see load-runner.ts). */
      send_lag_p99_ms: number;
      service_p99_ms: number;
      max_rate_per_s: number;
      rate_per_s: number;
      sent: number;
      requests: number;
      errors: number;
      p50_ms: number;
      p99_ms: number;
      max_send_lag_ms: number;
      server_cpu_ms_per_request: number;
      error_samples: string[];
      /** Connections undici opened during the cell, and the longest connect (ms). */
      load_generator_connections_opened?: number;
      load_generator_connect_max_ms?: number;
      /** How much the kernel's TCP counters grew during the cell (every process's; see tcp-counters.ts). */
      tcp_counters?: Partial<Record<TcpCounter, number>> | null;
    };
  vault?: {
    entries: number;
    tree_bytes: number;
    stored_bytes: number;
    read_cpu_ms: number;
    write_cpu_ms: number;
    reads_per_s: number;
    writes_per_s: number;
    read_p50_ms: number;
    write_p50_ms: number;
    floor_read_cpu_ms: number;
    floor_write_cpu_ms: number;
    errors: number;
    error_samples: string[];
  };
  ad?: { directory: string; cells: AdCellRecord[] };
  /** The same cells against a Samba AD DC; `skipped` says why they did not run. */
  ad_samba?: { directory: string; cells: AdCellRecord[]; skipped?: string };
  scale?: ScaleResult;
  web?: WebSizes;
}

/** One warm-up before a target's first cell over a transport (see `warmUntilSteady`). */
export interface WarmupRecord {
  /** A target of the cells, or `floor`, `vault read`, ... */
  target: string;
  transport: Transport | null;
  concurrency: number;
  elapsed_ms: number;
  requests: number;
  errors: number;
  /** Two consecutive windows agreed within the tolerance (false: the time bound ended it). */
  steady: boolean;
  /** CPU ms per request of its first and of its last window (of `window_ms`). */
  first_cpu_ms_per_request: number;
  last_cpu_ms_per_request: number;
  window_ms: number;
  /** Whose CPU: the process that answers, or the load generator (the raw target has no server). */
  cpu_of: 'answering process' | 'load generator';
}

export interface BenchReport {
  runs: RunRecord[];
  ratios: Ratios;
  /** Product server RSS once it has completed `rss_logins` logins and `rss_vault_ops` vault operations. */
  rss_mb_after: number;
  throughput_ratios: ThroughputRatios;
  rss_mb_before: number;
  /** After the first logins (account creation runs scrypt on the server). */
  rss_mb_after_accounts: number;
  rss_logins: number;
  rss_vault_ops: number;
  peer_rss_mb_after: number;
  details: RunDetail[];
  /** The warm-ups, in order: how long each took to reach steady state, and its last window. */
  warmups: WarmupRecord[];
  figures: FigureDetails;
  environment: {
    mode: 'full' | 'smoke';
    started_at: string;
    duration_s: number;
    node: string;
    cpus: number;
    directory_mode: string;
    directory_users: number;
    login_users: number;
    cell_ms: number;
    warmup_ms: number;
    first_warmup_ms: number;
    steady_max_ms: number;
    steady_window_ms: number;
    steady_tolerance: number;
    steady_min_requests: number;
    steady_total_ms: number;
    account_preparation_ms: number;
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const round3 = (value: number) => Math.round(value * 1000) / 1000;
const over = (value: number | null | undefined, base: number | null | undefined) =>
  value && base ? round3(value / base) : 0;

function throughputOf(runs: RunRecord[], target: TargetName, transport: Transport, concurrency: number) {
  return runs.find(
    (run) => run.target === target && run.transport === transport && run.concurrency === concurrency,
  )?.throughput;
}

function serverCpuOf(details: RunDetail[], target: TargetName, transport: Transport, concurrency: number) {
  return details.find(
    (detail) =>
      detail.target === target && detail.transport === transport && detail.concurrency === concurrency,
  )?.server_cpu_ms_per_request;
}

/** Login throughput over raw and over peer at concurrency 16; 0 where a cell is missing or empty. */
export function throughputRatiosOf(runs: RunRecord[]): ThroughputRatios {
  const ratio = (transport: Transport, other: TargetName) => {
    const login = throughputOf(runs, 'product-login', transport, 16);
    const base = throughputOf(runs, other, transport, 16);
    return login !== undefined && base ? round2(login / base) : 0;
  };
  return {
    login_vs_raw_c16_ldap: ratio('ldap', 'raw'),
    login_vs_peer_c16_ldap: ratio('ldap', 'peer'),
    login_vs_raw_c16_ldaps: ratio('ldaps', 'raw'),
    login_vs_peer_c16_ldaps: ratio('ldaps', 'peer'),
  };
}

/** The issue's ratios from the cells and the figures of one run. */
export function figureRatios(details: RunDetail[], figures: FigureDetails, rssMbAfter: number): Ratios {
  const login = (transport: Transport) => serverCpuOf(details, 'product-login', transport, 16);
  const peer = (transport: Transport) => serverCpuOf(details, 'peer', transport, 16);
  const scale = figures.scale?.ratios;
  return {
    server_cpu_vs_peer_c16_ldap: over(login('ldap'), peer('ldap')),
    server_cpu_vs_peer_c16_ldaps: over(login('ldaps'), peer('ldaps')),
    server_cpu_vs_floor_c16_ldap: over(login('ldap'), figures.floor?.login_cpu_ms),
    login_p99_open_loop_ms: figures.open_loop?.p99_ms ?? 0,
    vault_read_cpu_vs_floor_5000: over(figures.vault?.read_cpu_ms, figures.vault?.floor_read_cpu_ms),
    vault_write_cpu_vs_floor_5000: over(figures.vault?.write_cpu_ms, figures.vault?.floor_write_cpu_ms),
    login_cpu_large_vs_small_db: scale ? Math.max(scale.sqlite.login, scale.postgres.login) : 0,
    vault_cpu_large_vs_small_db: scale ? Math.max(scale.sqlite.vault, scale.postgres.vault) : 0,
    rss_mb_after: rssMbAfter,
  };
}

export interface TargetCheck {
  name: keyof Ratios;
  value: number;
  limit: string;
  met: boolean;
}

/** The issue's targets: each ratio's limit (all are upper bounds). */
export const TARGETS: Record<keyof Ratios, number> = {
  server_cpu_vs_peer_c16_ldap: 0.4,
  server_cpu_vs_peer_c16_ldaps: 0.12,
  server_cpu_vs_floor_c16_ldap: 1.3,
  login_p99_open_loop_ms: 10,
  vault_read_cpu_vs_floor_5000: 2,
  vault_write_cpu_vs_floor_5000: 2,
  login_cpu_large_vs_small_db: 1.5,
  vault_cpu_large_vs_small_db: 1.5,
  rss_mb_after: 250,
};

/** Logins and vault operations the memory figure needs before it counts. */
export const RSS_OPERATIONS = 20_000;

/** Each target with the measured value; a ratio of 0 (its part did not run) is a miss. */
export function checkTargets(report: BenchReport): TargetCheck[] {
  return (Object.keys(TARGETS) as (keyof Ratios)[]).map((name) => {
    const value = report.ratios[name];
    const limit = TARGETS[name];
    if (name === 'rss_mb_after') {
      const enough = report.rss_logins >= RSS_OPERATIONS && report.rss_vault_ops >= RSS_OPERATIONS;
      return {
        name,
        value,
        limit: enough ? `<= ${limit}` : `<= ${limit} (needs 20,000 logins and vault operations)`,
        met: enough && value > 0 && value <= limit,
      };
    }
    return { name, value, limit: `<= ${limit}`, met: value > 0 && value <= limit };
  });
}

function pad(value: string | number, width: number, left = false): string {
  const text = String(value);
  return left ? text.padEnd(width) : text.padStart(width);
}

/** A fixed-width table of the runs, then the ratios, memory and targets. */
export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(
    `${pad('target', 14, true)}${pad('transport', 10, true)}${pad('conc', 5)}${pad('req/s', 9)}` +
      `${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}${pad('srv cpu ms/req', 16)}${pad('gen cpu ms/req', 16)}`,
  );
  for (const [index, run] of report.runs.entries()) {
    const detail = report.details[index];
    lines.push(
      `${pad(run.target, 14, true)}${pad(run.transport, 10, true)}${pad(run.concurrency, 5)}` +
        `${pad(run.throughput, 9)}${pad(run.p50_ms.toFixed(2), 9)}${pad(run.p99_ms.toFixed(2), 9)}` +
        `${pad(run.errors, 8)}${pad(detail?.server_cpu_ms_per_request?.toFixed(3) ?? '-', 16)}` +
        `${pad(detail?.client_cpu_ms_per_request.toFixed(3) ?? '-', 16)}`,
    );
  }
  lines.push('');
  if (report.warmups.length > 0) {
    lines.push("warm-ups to steady state (before each target's first cell over a transport):");
    lines.push(...report.warmups.map(warmupLine));
    lines.push('');
  }
  lines.push(...formatFigures(report));
  lines.push(
    `server RSS: ${report.rss_mb_before} MB at start, ${report.rss_mb_after_accounts} MB after creating the accounts, ` +
      `${report.rss_mb_after} MB after ${report.rss_logins} logins and ${report.rss_vault_ops} vault operations` +
      ` (peer: ${report.peer_rss_mb_after} MB)`,
  );
  lines.push(
    `throughput at c16 (informative): ${Object.entries(report.throughput_ratios)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ')}`,
  );
  lines.push('');
  lines.push('targets (ratios in bench/results/latest.json):');
  for (const check of checkTargets(report)) {
    lines.push(
      `  ${check.met ? 'PASS' : 'MISS'}  ${pad(check.name, 32, true)}${pad(check.value, 9)}  ${check.limit}`,
    );
  }
  return lines.join('\n');
}

/** One warm-up: how long, how many requests, the CPU per request of its first and last windows. */
export function warmupLine(warmup: WarmupRecord): string {
  return (
    `  ${pad(warmup.target, 14, true)}${pad(warmup.transport ?? '', 6, true)}c=${pad(warmup.concurrency, 3, true)}` +
    `${(warmup.elapsed_ms / 1000).toFixed(1)} s, ${warmup.requests} requests, CPU ` +
    `${warmup.first_cpu_ms_per_request} -> ${warmup.last_cpu_ms_per_request} ms/req (${warmup.cpu_of}), ` +
    (warmup.steady ? 'steady' : 'not steady within the time bound') +
    (warmup.errors > 0 ? `, ${warmup.errors} errors` : '')
  );
}

const kb = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

/** The measurements behind the ratios, a line or a few per part. */
export function formatFigures(report: BenchReport): string[] {
  const { figures } = report;
  const lines: string[] = [];
  const login = (transport: Transport) => serverCpuOf(report.details, 'product-login', transport, 16);
  const peer = (transport: Transport) => serverCpuOf(report.details, 'peer', transport, 16);
  lines.push(
    `server CPU per login at c16: ldap ${login('ldap') ?? '-'} ms (peer ${peer('ldap') ?? '-'}), ` +
      `ldaps ${login('ldaps') ?? '-'} ms (peer ${peer('ldaps') ?? '-'}); floor ${figures.floor?.login_cpu_ms ?? '-'} ms`,
  );
  if (figures.open_loop) {
    const open = figures.open_loop;
    lines.push(
      `open loop: ${open.rate_per_s} logins/s (c=16 ldap did ${open.max_rate_per_s}/s), ${open.requests} logins, ` +
        `p50 ${open.p50_ms} ms, p99 ${open.p99_ms} ms, sender lag up to ${open.max_send_lag_ms} ms, errors ${open.errors}`,
    );
    lines.push(
      `  its tail: p99 ${open.service_p99_ms} ms from the actual send, send lag p99 ${open.send_lag_p99_ms} ms; ` +
        `server event-loop delay p99 ${open.server_loop_delay_p99_ms} ms (max ${open.server_loop_delay_max_ms}), ` +
        `GC ${open.server_gc_pauses} pauses ${open.server_gc_ms} ms (major ${open.server_gc_major_ms}), ` +
        `server CPU ${open.server_cpu_utilisation} of a core; load generator loop delay p99 ` +
        `${open.load_generator_loop_delay_p99_ms} ms (max ${open.load_generator_loop_delay_max_ms}); load average ${open.load_average}`,
    );
    lines.push(...stageLines(open));
  }
  if (figures.vault) {
    const vault = figures.vault;
    lines.push(
      `vault (${vault.entries} entries, ${kb(vault.tree_bytes)} of tree, ${kb(vault.stored_bytes)} stored): ` +
        `read ${vault.read_cpu_ms} ms CPU (floor ${vault.floor_read_cpu_ms}, p50 ${vault.read_p50_ms} ms), ` +
        `write ${vault.write_cpu_ms} ms CPU (floor ${vault.floor_write_cpu_ms}, p50 ${vault.write_p50_ms} ms)`,
    );
  }
  for (const [label, ad] of [
    ['AD-shaped', figures.ad],
    ['Samba AD', figures.ad_samba],
  ] as const) {
    if (!ad) continue;
    if ('skipped' in ad && ad.skipped) lines.push(`${label} ldaps: not measured: ${ad.skipped}`);
    for (const cell of ad.cells) {
      const counted = (value: number | null, what: string) => (value === null ? '' : `, ${value} ${what}`);
      lines.push(
        `${label} ldaps c=${cell.concurrency} (${ad.directory}): ${cell.throughput}/s, p99 ${cell.p99_ms} ms, ` +
          `server CPU ${cell.server_cpu_ms_per_request} ms/login; per login ${cell.connections_per_login} connections, ` +
          `${cell.tls_handshakes_per_login} TLS handshakes${counted(cell.binds_per_login, 'binds')}${counted(cell.searches_per_login, 'searches')}`,
      );
    }
  }
  if (figures.scale) {
    const { sizes, records, ratios } = figures.scale;
    lines.push(
      `scale (${sizes.users} users, ${sizes.sessions} sessions, ${sizes.secrets} secrets vs empty): ` +
        records
          .map(
            (record) =>
              `${record.database}/${record.size} login ${record.login_cpu_ms} ms, vault op ${record.vault_cpu_ms} ms`,
          )
          .join('; '),
    );
    lines.push(
      `  large/small: SQLite login ${ratios.sqlite.login}, vault ${ratios.sqlite.vault}; ` +
        `PostgreSQL login ${ratios.postgres.login}, vault ${ratios.postgres.vault}`,
    );
  }
  if (figures.web) {
    const { ours, official, notes } = figures.web;
    const size = (js: JsSize | null) =>
      js ? `${kb(js.gzip_bytes)} gzip (${kb(js.bytes)} in ${js.files} files)` : 'n/a';
    lines.push(`web client JavaScript: ours ${size(ours)}, official client ${size(official)}`);
    const { vault } = figures.web;
    if (vault) {
      const runs = (values: number[]) => values.map((ms) => ms.toFixed(0)).join(', ');
      lines.push(
        `web vault in Chromium, ${vault.entries} entries: login click to list ${vault.login_to_list_median_ms.toFixed(0)} ms median ` +
          `(${runs(vault.login_to_list_ms)}); keystroke to filtered list ${vault.keystroke_to_results_median_ms.toFixed(1)} ms median ` +
          `(${vault.keystroke_to_results_ms.length} keystrokes, max ${Math.max(...vault.keystroke_to_results_ms).toFixed(1)} ms)`,
      );
    }
    for (const note of notes) lines.push(`  ${note}`);
  }
  return lines;
}

/** What each directory pool did during the cell: waits, and the most requests it ran at once. */
function poolLines(open: NonNullable<FigureDetails['open_loop']>): string[] {
  const pools = Object.entries(open.server_directory_pools ?? {});
  if (pools.length === 0) return [];
  const each = pools.map(
    ([pool, figures]) =>
      `${pool} ${figures.waits} waits (${figures.wait_ms} ms), ` +
      (figures.in_flight_peak.after > figures.in_flight_peak.before
        ? `in flight at most ${figures.in_flight_peak.after}`
        : `in flight no more than the earlier peak of ${figures.in_flight_peak.before}`),
  );
  return [`  directory pools: ${each.join('; ')}`];
}

/** Where the open loop's slowest logins waited: the load generator's stages and the server's. */
export function stageLines(open: NonNullable<FigureDetails['open_loop']>): string[] {
  const stages = (figures: LoginStages) =>
    `send lag ${figures.send_lag_ms}, login request ${figures.login_http_ms}, activate-token request ` +
    `${figures.activate_http_ms}, other requests ${figures.other_http_ms}, load generator's work ` +
    `${figures.client_work_ms} ms, client pool queue ${figures.client_pool_queued}`;
  const timed = (label: string, figures: LoopBreakdown['server_login_handler']) =>
    `${label} mean ${figures.mean_ms} ms, p99 <= ${figures.p99_at_most_ms ?? '-'} ms`;
  return [
    `  the slowest ${open.tail_logins} (${open.tail_latency_ms} ms on average): ${stages(open.tail_stages_ms)}`,
    `  each stage's p99: ${stages(open.stage_p99_ms)}`,
    `  server: ${timed('login handler', open.server_login_handler)}; ${timed('directory search+bind', open.server_directory_authenticate)}; ` +
      `directory pool waits ${open.server_directory_pool_waits} (${open.server_directory_pool_wait_ms} ms); ` +
      `SQLite lock waits ${open.server_sqlite_lock_waits} (${open.server_sqlite_lock_wait_ms} ms)`,
    ...poolLines(open),
    `  waiting for a core (run queue) per login: server ${open.server_run_queue_wait_ms_per_login ?? '-'} ms, ` +
      `load generator ${open.load_generator_run_queue_wait_ms_per_login ?? '-'} ms; load generator's GC ` +
      `${open.load_generator_gc_pauses} pauses, ${open.load_generator_gc_ms} ms (longest ${open.load_generator_gc_max_ms}; ` +
      `major ${open.load_generator_gc_major_pauses}, ${open.load_generator_gc_major_ms} ms)`,
    ...serverSplitLines(open),
    `  undici opened ${open.load_generator_connections_opened ?? '-'} connections (longest connect ` +
      `${open.load_generator_connect_max_ms ?? '-'} ms); TCP counters during the cell (whole machine): ${
        open.tcp_counters
          ? Object.entries(open.tcp_counters)
              .map(([name, value]) => `${name.slice(name.indexOf(':') + 1)} ${value}`)
              .join(', ')
          : '-'
      }`,
  ];
}

function serverSplitLines(open: StageBreakdown): string[] {
  const split = open.tail_server_split_ms;
  if (!split) return ['  where the server saw them: no server timestamps'];
  const segments = (figures: RequestSegments) =>
    `in the load generator ${figures.in_load_generator_ms}, to the server ${figures.to_server_ms}, in the server ${figures.in_server_ms}, back to the load ` +
    `generator ${figures.to_client_ms} ms (the server's write done after ${figures.reply_done_ms})` +
    (figures.new_connection > 0 ? `, on a new connection ${Math.round(figures.new_connection * 100)}%` : '');
  return [
    `  the slowest logins' requests, where the server saw them: login ${segments(split.login)}; ` +
      `activate-token ${segments(split.activate)}`,
    `  the slowest requests (total: in the load generator, to the server, in it, back ms): ${open.slowest_requests
      .map(
        (request) =>
          `${request.total_ms}: ${request.in_load_generator_ms}, ${request.to_server_ms}, ${request.in_server_ms}, ${request.to_client_ms}` +
          (request.new_connection ? ' new' : ''),
      )
      .join('; ')}`,
  ];
}
