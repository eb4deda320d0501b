/**
 * The benchmark's result: `runs`, `ratios` and `rss_mb_after` in the shape the issue fixes (other
 * tools read them), plus details that explain the figures.
 */
import type { TargetName, Transport } from './targets/target.ts';

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

export interface Ratios {
  login_vs_raw_c16_ldap: number;
  login_vs_peer_c16_ldap: number;
  login_vs_raw_c16_ldaps: number;
  login_vs_peer_c16_ldaps: number;
}

export interface BenchReport {
  runs: RunRecord[];
  ratios: Ratios;
  /** Product server RSS once it has completed `rss_logins` logins. */
  rss_mb_after: number;
  rss_mb_before: number;
  /** After the first logins (account creation runs scrypt on the server). */
  rss_mb_after_accounts: number;
  rss_logins: number;
  peer_rss_mb_after: number;
  details: RunDetail[];
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
    account_preparation_ms: number;
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function throughputOf(runs: RunRecord[], target: TargetName, transport: Transport, concurrency: number) {
  return runs.find(
    (run) => run.target === target && run.transport === transport && run.concurrency === concurrency,
  )?.throughput;
}

/** Login throughput over raw and over peer at concurrency 16; 0 where a cell is missing or empty. */
export function ratiosOf(runs: RunRecord[]): Ratios {
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

export interface TargetCheck {
  name: string;
  value: number;
  limit: string;
  met: boolean;
}

/** The targets for this machine, each with the measured value. */
export function checkTargets(report: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const transport of ['ldap', 'ldaps'] as const) {
    const raw = report.ratios[`login_vs_raw_c16_${transport}`];
    const peer = report.ratios[`login_vs_peer_c16_${transport}`];
    checks.push({ name: `login/raw c16 ${transport}`, value: raw, limit: '>= 0.5', met: raw >= 0.5 });
    checks.push({ name: `login/peer c16 ${transport}`, value: peer, limit: '>= 3', met: peer >= 3 });
    const login = report.runs.find(
      (run) => run.target === 'product-login' && run.transport === transport && run.concurrency === 16,
    );
    if (login) {
      checks.push({
        name: `login p99 c16 ${transport} (ms)`,
        value: login.p99_ms,
        limit: '<= 25',
        met: login.p99_ms <= 25,
      });
    }
  }
  checks.push({
    name: `server RSS after ${report.rss_logins} logins (MB)`,
    value: report.rss_mb_after,
    limit: report.rss_logins >= 20_000 ? '<= 250' : '<= 250 (needs 20,000 logins)',
    met: report.rss_mb_after <= 250 && report.rss_logins >= 20_000,
  });
  return checks;
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
  for (const [name, value] of Object.entries(report.ratios)) lines.push(`${pad(name, 26, true)}${value}`);
  lines.push(
    `server RSS: ${report.rss_mb_before} MB at start, ${report.rss_mb_after_accounts} MB after creating the accounts, ` +
      `${report.rss_mb_after} MB after ${report.rss_logins} logins` +
      ` (peer: ${report.peer_rss_mb_after} MB)`,
  );
  lines.push('');
  lines.push('targets:');
  for (const check of checkTargets(report)) {
    lines.push(
      `  ${check.met ? 'met   ' : 'MISSED'} ${pad(check.name, 34, true)}${pad(check.value, 9)}  ${check.limit}`,
    );
  }
  return lines.join('\n');
}
