import { describe, expect, it } from 'vitest';
import { stageBreakdown } from './login-stages.ts';
import {
  type BenchReport,
  checkTargets,
  type FigureDetails,
  figureRatios,
  formatReport,
  type RunDetail,
  type RunRecord,
  throughputRatiosOf,
} from './report.ts';

function run(target: RunRecord['target'], transport: RunRecord['transport'], throughput: number, p99 = 10) {
  return { target, transport, concurrency: 16, throughput, p50_ms: 1, p99_ms: p99, errors: 0 };
}

function detail(
  target: RunDetail['target'],
  transport: RunDetail['transport'],
  cpu: number | null,
): RunDetail {
  return {
    target,
    transport,
    concurrency: 16,
    requests: 1000,
    elapsed_ms: 1000,
    server_cpu_ms_per_request: cpu,
    client_cpu_ms_per_request: 0.3,
    error_samples: [],
  };
}

const runs: RunRecord[] = [
  run('raw', 'ldap', 4000),
  run('product-login', 'ldap', 2400, 20),
  run('peer', 'ldap', 600),
  run('raw', 'ldaps', 3000),
  run('product-login', 'ldaps', 1000, 30),
  run('peer', 'ldaps', 200),
  { ...run('product-login', 'ldap', 9999), concurrency: 1 },
];

const details: RunDetail[] = [
  detail('raw', 'ldap', null),
  detail('product-login', 'ldap', 0.8),
  detail('peer', 'ldap', 1.6),
  detail('raw', 'ldaps', null),
  detail('product-login', 'ldaps', 0.9),
  detail('peer', 'ldaps', 6),
  { ...detail('product-login', 'ldap', 5), concurrency: 1 },
];

const figures: FigureDetails = {
  floor: { login_cpu_ms: 0.5, logins_per_s: 2000, errors: 0, error_samples: [] },
  open_loop: {
    max_rate_per_s: 1000,
    rate_per_s: 500,
    sent: 2000,
    requests: 2000,
    errors: 0,
    p50_ms: 3,
    p99_ms: 12.5,
    max_send_lag_ms: 1,
    send_lag_p99_ms: 0.5,
    service_p99_ms: 11,
    server_loop_delay_p99_ms: 4,
    server_loop_delay_max_ms: 9,
    server_gc_pauses: 12,
    server_gc_ms: 30,
    server_gc_major_ms: 0,
    server_cpu_utilisation: 0.6,
    load_generator_loop_delay_p99_ms: 2,
    load_generator_loop_delay_max_ms: 3,
    load_generator_gc_pauses: 5,
    load_generator_gc_ms: 6.5,
    load_generator_gc_max_ms: 2,
    load_generator_gc_major_pauses: 0,
    load_generator_gc_major_ms: 0,
    load_average: 1.5,
    server_run_queue_wait_ms_per_login: 0.5,
    load_generator_run_queue_wait_ms_per_login: 0.25,
    server_directory_pool_waits: 3,
    server_directory_pool_wait_ms: 4.5,
    server_sqlite_lock_waits: 0,
    server_sqlite_lock_wait_ms: 0,
    server_login_handler: { count: 2000, mean_ms: 2.1, p99_at_most_ms: 10 },
    server_directory_authenticate: { count: 2000, mean_ms: 1.2, p99_at_most_ms: 5 },
    ...stageBreakdown([{ lagMs: 0.5, latencyMs: 12.5, requests: [] }]),
    server_cpu_ms_per_request: 0.8,
    error_samples: [],
  },
  vault: {
    entries: 5000,
    tree_bytes: 1_000_000,
    stored_bytes: 2_000_000,
    read_cpu_ms: 30,
    write_cpu_ms: 40,
    reads_per_s: 20,
    writes_per_s: 20,
    read_p50_ms: 40,
    write_p50_ms: 50,
    floor_read_cpu_ms: 20,
    floor_write_cpu_ms: 10,
    errors: 0,
    error_samples: [],
  },
  scale: {
    sizes: { users: 100, sessions: 1000, secrets: 1000 },
    records: [],
    build_ms: { sqlite: 0, postgres: 0 },
    ratios: { sqlite: { login: 1.1, vault: 1.2 }, postgres: { login: 1.3, vault: 0.9 } },
  },
};

describe('throughputRatiosOf', () => {
  it('divides login throughput by raw and by peer at concurrency 16', () => {
    expect(throughputRatiosOf(runs)).toEqual({
      login_vs_raw_c16_ldap: 0.6,
      login_vs_peer_c16_ldap: 4,
      login_vs_raw_c16_ldaps: 0.33,
      login_vs_peer_c16_ldaps: 5,
    });
  });
});

describe('figureRatios', () => {
  it('divides the server CPU per login by the peer and the floor at c16, and keeps the worse database', () => {
    expect(figureRatios(details, figures, 180)).toEqual({
      server_cpu_vs_peer_c16_ldap: 0.5,
      server_cpu_vs_peer_c16_ldaps: 0.15,
      server_cpu_vs_floor_c16_ldap: 1.6,
      login_p99_open_loop_ms: 12.5,
      vault_read_cpu_vs_floor_5000: 1.5,
      vault_write_cpu_vs_floor_5000: 4,
      login_cpu_large_vs_small_db: 1.3,
      vault_cpu_large_vs_small_db: 1.2,
      rss_mb_after: 180,
    });
  });

  it('gives 0 where a part did not run or measured nothing', () => {
    const ratios = figureRatios(
      details.map((item) => (item.target === 'peer' ? { ...item, server_cpu_ms_per_request: 0 } : item)),
      {},
      100,
    );
    expect(ratios.server_cpu_vs_peer_c16_ldap).toBe(0);
    expect(ratios.server_cpu_vs_floor_c16_ldap).toBe(0);
    expect(ratios.vault_read_cpu_vs_floor_5000).toBe(0);
    expect(ratios.login_cpu_large_vs_small_db).toBe(0);
  });
});

describe('checkTargets', () => {
  const report = (rss: number, logins: number, vaultOps = logins): BenchReport =>
    ({
      runs,
      details,
      figures,
      ratios: figureRatios(details, figures, rss),
      throughput_ratios: throughputRatiosOf(runs),
      rss_mb_after: rss,
      rss_logins: logins,
      rss_vault_ops: vaultOps,
      warmups: [
        {
          target: 'product-login',
          transport: 'ldap',
          concurrency: 16,
          elapsed_ms: 12_345,
          requests: 5_100,
          errors: 0,
          steady: true,
          first_cpu_ms_per_request: 6.2,
          last_cpu_ms_per_request: 1.8,
          window_ms: 2000,
          cpu_of: 'answering process',
        },
      ],
    }) as BenchReport;

  it('checks each ratio against its limit', () => {
    const missed = checkTargets(report(180, 20_000))
      .filter((check) => !check.met)
      .map((check) => check.name);
    expect(missed).toEqual([
      'server_cpu_vs_peer_c16_ldap',
      'server_cpu_vs_peer_c16_ldaps',
      'server_cpu_vs_floor_c16_ldap',
      'login_p99_open_loop_ms',
      'vault_write_cpu_vs_floor_5000',
    ]);
  });

  it('does not accept a memory figure taken before 20,000 logins and 20,000 vault operations', () => {
    const rss = (logins: number, ops: number) =>
      checkTargets(report(100, logins, ops)).find((check) => check.name === 'rss_mb_after');
    expect(rss(5_000, 20_000)).toMatchObject({ met: false });
    expect(rss(20_000, 5_000)).toMatchObject({ met: false });
    expect(rss(20_000, 20_000)).toMatchObject({ met: true, limit: '<= 250' });
  });

  it('prints one table line per run, the figures, and PASS or MISS per target', () => {
    const text = formatReport({
      ...report(180, 20_000),
      rss_mb_before: 80,
      rss_mb_after_accounts: 90,
      peer_rss_mb_after: 70,
    });
    expect(text.split('\n').filter((line) => /^(raw|product-login|peer) /.test(line))).toHaveLength(
      runs.length,
    );
    expect(text).toContain('MISS  server_cpu_vs_floor_c16_ldap');
    expect(text).toContain('PASS  vault_read_cpu_vs_floor_5000');
    expect(text).toContain('floor 0.5 ms');
    expect(text).toContain('server event-loop delay p99 4 ms (max 9), GC 12 pauses 30 ms');
    expect(text).toContain(
      'product-login ldap  c=16 12.3 s, 5100 requests, CPU 6.2 -> 1.8 ms/req (answering process), steady',
    );
  });

  it('prints the web vault cell next to the JavaScript sizes', () => {
    const js = { files: 3, bytes: 300_000, gzip_bytes: 95_000 };
    const text = formatReport({
      ...report(180, 20_000),
      figures: {
        ...figures,
        web: {
          ours: js,
          official: null,
          notes: [],
          vault: {
            entries: 5000,
            login_to_list_ms: [900, 800, 1000],
            login_to_list_median_ms: 900,
            keystroke_to_results_ms: [20, 30],
            keystroke_to_results_median_ms: 25,
          },
        },
      },
    });
    expect(text).toContain(
      'web vault in Chromium, 5000 entries: login click to list 900 ms median (900, 800, 1000); ' +
        'keystroke to filtered list 25.0 ms median (2 keystrokes, max 30.0 ms)',
    );
  });
});
