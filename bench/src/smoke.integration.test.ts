/**
 * Runs `npm run bench -- --smoke` as CI does (a real OpenLDAP, the built server, the peer), so the
 * benchmark cannot rot: every target must answer over both transports without a single error, every
 * figure of merit must be produced and finite (never judged: timings on a shared machine are not a
 * test), and the JSON must keep the shape other tools read. PostgreSQL comes from the server's test
 * helpers. Needs the test directory (container or native
 * slapd) and the built server: under CI it always runs; elsewhere it skips loudly without them.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runningInCi } from '@ldap-login/ldap-core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { type BenchReport, TARGETS } from './report.ts';
import { TARGET_NAMES, TRANSPORTS } from './targets/target.ts';
import { officialWebclientArchive } from './web-size.ts';

const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
const MAIN = join(BENCH_DIR, 'src', 'main.ts');
const inCi = runningInCi();
/** What the test directory says when neither a container engine nor slapd is there. */
const NO_DIRECTORY = /no way to run the test directory|NO_BACKEND/;

const workDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
// The private PostgreSQL keeps its data in the cache folder inside; it runs as its own system user
// when the tests run as root, and must be able to reach it.
chmodSync(workDir, 0o755);
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function runSmoke(out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      // Its own cache folder: the private PostgreSQL of another run may hold the default one.
      ['--import', 'tsx', MAIN, '--smoke', '--out', out, '--cache-dir', join(workDir, 'cache')],
      // About 60-90 s with the web vault cell's Chromium; the bound leaves room for a machine
      // loaded by other work (250 s seen at a load average of 20 on 2 cores).
      { cwd: BENCH_DIR, timeout: 400_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npm run bench -- --smoke', () => {
  it('measures every target and produces every figure of the issue, with zero errors', async (context) => {
    const out = join(workDir, 'smoke.json');
    const { code, stdout, stderr } = await runSmoke(out);
    if (code !== 0 && !inCi && NO_DIRECTORY.test(stderr)) {
      console.warn(
        '\n*** SKIPPED: the benchmark smoke test needs the test directory (a container engine or a native slapd); ' +
          'neither is available here. Under CI=true this test fails instead. ***\n',
      );
      context.skip();
    }
    expect(code, `the smoke run failed:\n${stderr.slice(-4000)}`).toBe(0);
    for (const name of Object.keys(TARGETS)) expect(stdout).toMatch(new RegExp(`(PASS|MISS)  ${name} `));

    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    // Every figure of the issue is produced and finite; the smoke run never judges a timing.
    expect(Object.keys(report.ratios).sort()).toEqual(Object.keys(TARGETS).sort());
    for (const [name, value] of Object.entries(report.ratios)) {
      expect(Number.isFinite(value), name).toBe(true);
      expect(value, name).toBeGreaterThanOrEqual(0);
    }
    expect(report.rss_mb_after).toBeGreaterThan(0);
    expect(report.rss_logins).toBeGreaterThan(0);
    expect(report.rss_vault_ops).toBeGreaterThan(0);

    const { figures } = report;
    expect(figures.floor?.login_cpu_ms).toBeGreaterThan(0);
    expect(figures.floor?.errors).toBe(0);
    expect(figures.open_loop?.requests).toBeGreaterThan(0);
    expect(figures.open_loop?.errors).toBe(0);
    // Every run says where its tail is: the load generator's stages and the server's own timings.
    expect(figures.open_loop?.tail_logins).toBeGreaterThan(0);
    expect(figures.open_loop?.tail_stages_ms.login_http_ms).toBeGreaterThan(0);
    expect(figures.open_loop?.server_login_handler.count).toBe(figures.open_loop?.requests);
    expect(figures.open_loop?.server_directory_authenticate.count).toBe(figures.open_loop?.requests);
    // Where the server saw the slowest logins' requests: every one matched to its server record.
    const split = figures.open_loop?.tail_server_split_ms;
    expect(split?.matched).toBe(2 * (figures.open_loop?.tail_logins ?? 0));
    expect(split?.login.in_server_ms).toBeGreaterThan(0);
    expect(split?.activate.in_server_ms).toBeGreaterThan(0);
    expect(figures.open_loop?.slowest_requests.length).toBeGreaterThan(0);
    // A warm-up before each target's first cell over each transport, and the floor's.
    expect(report.warmups.map((warmup) => `${warmup.target}/${warmup.transport}`).sort()).toEqual(
      [
        'floor/ldap',
        ...['raw', 'product-login', 'product-user', 'peer'].flatMap((target) => [
          `${target}/ldap`,
          `${target}/ldaps`,
        ]),
      ].sort(),
    );
    for (const warmup of report.warmups) {
      expect(warmup.errors, warmup.target).toBe(0);
      expect(warmup.requests, warmup.target).toBeGreaterThan(0);
      expect(warmup.last_cpu_ms_per_request, warmup.target).toBeGreaterThan(0);
    }
    expect(figures.vault).toMatchObject({ entries: 50, errors: 0 });
    expect(figures.vault?.reads_per_s).toBeGreaterThan(0);
    expect(figures.vault?.writes_per_s).toBeGreaterThan(0);
    expect(figures.ad?.cells.map((cell) => cell.concurrency)).toEqual([1, 16]);
    for (const cell of figures.ad?.cells ?? []) {
      expect(cell.errors).toBe(0);
      expect(cell.throughput).toBeGreaterThan(0);
      // Every login searches the user and at least one level of groups, and binds as the user once.
      expect(cell.searches_per_login).toBeGreaterThanOrEqual(2);
      expect(cell.binds_per_login).toBeGreaterThan(0);
    }
    expect(figures.scale?.records.map((record) => `${record.database}/${record.size}`)).toEqual([
      'sqlite/small',
      'sqlite/large',
      'postgres/small',
      'postgres/large',
    ]);
    for (const record of figures.scale?.records ?? []) {
      expect(record.errors, `${record.database}/${record.size}: ${record.error_samples.join('; ')}`).toBe(0);
      expect(record.logins_per_s).toBeGreaterThan(0);
      expect(record.vault_ops_per_s).toBeGreaterThan(0);
    }
    expect(figures.web?.ours?.gzip_bytes).toBeGreaterThan(0);
    // Our client in Chromium with the smoke run's datastore: every login and keystroke measured.
    expect(figures.web?.notes.filter((note) => note.includes('web vault'))).toEqual([]);
    expect(figures.web?.vault).toMatchObject({ entries: 50 });
    expect(figures.web?.vault?.login_to_list_ms).toHaveLength(1);
    expect(figures.web?.vault?.keystroke_to_results_ms).toHaveLength(3);
    expect(figures.web?.vault?.login_to_list_median_ms).toBeGreaterThan(0);
    expect(figures.web?.vault?.keystroke_to_results_median_ms).toBeGreaterThan(0);
    if (inCi || existsSync(officialWebclientArchive()))
      expect(figures.web?.official?.gzip_bytes).toBeGreaterThan(0);

    const cells = report.runs.map((run) => `${run.target}/${run.transport}/${run.concurrency}`);
    for (const target of TARGET_NAMES) {
      for (const transport of TRANSPORTS) {
        for (const concurrency of [1, 16]) expect(cells).toContain(`${target}/${transport}/${concurrency}`);
      }
    }
    for (const run of report.runs) {
      expect(Object.keys(run).sort()).toEqual([
        'concurrency',
        'errors',
        'p50_ms',
        'p99_ms',
        'target',
        'throughput',
        'transport',
      ]);
      expect(run.errors, `${run.target} over ${run.transport} at ${run.concurrency}`).toBe(0);
      expect(run.throughput, `${run.target} over ${run.transport} at ${run.concurrency}`).toBeGreaterThan(0);
      expect(run.p99_ms).toBeGreaterThanOrEqual(run.p50_ms);
    }
  }, 420_000);
});
