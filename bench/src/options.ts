/** Command-line options of `npm run bench`, with the full and the smoke defaults in one place. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchOptions, PARTS, type Part } from './bench.ts';
import { TARGET_NAMES, type TargetName, TRANSPORTS, type Transport } from './targets/target.ts';

export const HELP = `Usage: npm run bench -- [options]

Measures the LDAP login against the raw directory limit and a reference peer (Express +
passport-ldapauth), over ldap:// and ldaps://, and writes a table and a JSON file.

  --smoke                 a few seconds: small directory, short cells, concurrency 1 and 16
  --out FILE              JSON result (default: bench/results/latest.json; smoke: smoke.json)
  --users N               generated users in the directory (default 2000)
  --login-users N         users the targets cycle through (default 16)
  --concurrency LIST      e.g. 1,16,64 (default 1,16)
  --targets LIST          raw,product-login,product-user,peer (default: all)
  --transports LIST       ldap,ldaps (default: both)
  --cell-ms N             measured milliseconds per cell (default 4000)
  --warmup-ms N           unmeasured milliseconds before each cell (default 500)
  --first-warmup-ms N     before a target's first cell over a transport, load until its
                          server is in steady state (V8 has compiled its code): at least N ms
                          (default 3000) ...
  --steady-max-s N        ... at most N s (default 30), until the server's CPU per request
  --steady-window-ms N    of the last N ms (default 2000) and of the N ms before agree
  --steady-tolerance P    within P percent (default 5), and a target's first warm-up has
  --steady-min-requests N made N requests (default 5000)
  --steady-total-s N      all warm-ups together about N s at most (default 100): each takes
                          at most twice an even share of what is left
  --rss-logins N          logins before the final memory figure (default 20000)
  --budget-s N            time budget of the whole run; the logins towards --rss-logins stop
                          when it is spent (default 290)
  --directory-mode M      auto | container | native (default auto)
  --server-log-level L    the product's LOG_LEVEL (default info, as shipped)
  --pool-size N           the product's LDAP_POOL_SIZE (default: the product's default)
  --cpu-prof DIR          write a V8 CPU profile of the product server into DIR
  --open-loop-rate N      the open loop's logins per second (default: half of the c=16 ldap
                          cell's rate; a fixed rate compares two runs at the same load)
  --skip LIST             leave parts out: floor,open-loop,vault,ad,scale,web (default: none)
  --vault-entries N       entries of the datastore the vault figures use (default 5000)
  --rss-vault-ops N       vault operations before the final memory figure (default 20000)
  --scale-sizes U,S,X     users, sessions and secrets of the scale cells' large databases
                          (default 100000,1000000,1000000; smoke 200,2000,2000)
  --cache-dir DIR         where the large databases are kept between runs (default bench/.cache)
  --server-script FILE    run this build of the manage CLI instead of the built server package
                          (to measure a change before making it)
  --check                 exit with code 2 when a target of the issue is missed
  -h, --help`;

/** A command-line value is not acceptable. */
export class OptionError extends Error {
  override readonly name = 'OptionError';
}

export interface CommandLine {
  help: boolean;
  check: boolean;
  out: string;
  bench: Omit<BenchOptions, 'log'>;
}

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
const CACHE_DIR = fileURLToPath(new URL('../.cache/', import.meta.url));

function positiveInteger(
  value: string | undefined,
  name: string,
  fallback: number,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < (allowZero ? 0 : 1)) {
    throw new OptionError(`--${name} must be a whole number${allowZero ? '' : ' above 0'}, not "${value}"`);
  }
  return number;
}

function listOf<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((item) => item.trim());
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new OptionError(`--${name}: "${item}" is not one of ${allowed.join(', ')}`);
    }
  }
  return items as T[];
}

function oneOf<T extends string>(
  value: string | undefined,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new OptionError(`--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function parseCommandLine(args: string[]): CommandLine {
  const { values } = parseArgs({
    args,
    options: {
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      users: { type: 'string' },
      'login-users': { type: 'string' },
      concurrency: { type: 'string' },
      targets: { type: 'string' },
      transports: { type: 'string' },
      'cell-ms': { type: 'string' },
      'warmup-ms': { type: 'string' },
      'first-warmup-ms': { type: 'string' },
      'steady-max-s': { type: 'string' },
      'steady-window-ms': { type: 'string' },
      'steady-tolerance': { type: 'string' },
      'steady-min-requests': { type: 'string' },
      'steady-total-s': { type: 'string' },
      'rss-logins': { type: 'string' },
      'budget-s': { type: 'string' },
      'directory-mode': { type: 'string' },
      'server-log-level': { type: 'string' },
      'pool-size': { type: 'string' },
      'open-loop-rate': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'server-script': { type: 'string' },
      skip: { type: 'string' },
      'vault-entries': { type: 'string' },
      'rss-vault-ops': { type: 'string' },
      'scale-sizes': { type: 'string' },
      'cache-dir': { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const smoke = values.smoke;
  const concurrencies = (values.concurrency ?? '1,16')
    .split(',')
    .map((item) => positiveInteger(item.trim(), 'concurrency', 1));
  const directoryUsers = positiveInteger(values.users, 'users', smoke ? 40 : 2000);
  const loginUsers = positiveInteger(values['login-users'], 'login-users', smoke ? 8 : 16);
  if (loginUsers > directoryUsers) throw new OptionError('--login-users must not exceed --users');
  const poolSize = values['pool-size'];
  const skipped = values.skip === undefined ? [] : listOf<Part>(values.skip, 'skip', PARTS);
  const scaleSizes = (values['scale-sizes'] ?? (smoke ? '200,2000,2000' : '100000,1000000,1000000'))
    .split(',')
    .map((item) => positiveInteger(item.trim(), 'scale-sizes', 1));
  if (scaleSizes.length !== 3)
    throw new OptionError('--scale-sizes takes three numbers: users,sessions,secrets');
  const [scaleUsers, scaleSessions, scaleSecrets] = scaleSizes as [number, number, number];
  return {
    help: values.help,
    check: values.check,
    out: values.out ?? `${RESULTS_DIR}${smoke ? 'smoke.json' : 'latest.json'}`,
    bench: {
      mode: smoke ? 'smoke' : 'full',
      directoryUsers,
      loginUsers,
      transports: listOf<Transport>(values.transports, 'transports', TRANSPORTS),
      concurrencies,
      targets: listOf<TargetName>(values.targets, 'targets', TARGET_NAMES),
      cellMs: positiveInteger(values['cell-ms'], 'cell-ms', smoke ? 300 : 4000),
      warmupMs: positiveInteger(values['warmup-ms'], 'warmup-ms', smoke ? 100 : 500, true),
      firstWarmupMs: positiveInteger(values['first-warmup-ms'], 'first-warmup-ms', smoke ? 100 : 3000, true),
      steadyMaxMs: positiveInteger(values['steady-max-s'], 'steady-max-s', smoke ? 1 : 30, true) * 1000,
      steadyWindowMs: positiveInteger(values['steady-window-ms'], 'steady-window-ms', smoke ? 200 : 2000),
      steadyTolerance:
        positiveInteger(values['steady-tolerance'], 'steady-tolerance', smoke ? 50 : 5, true) / 100,
      steadyMinRequests: positiveInteger(
        values['steady-min-requests'],
        'steady-min-requests',
        smoke ? 0 : 5000,
        true,
      ),
      steadyTotalMs:
        positiveInteger(values['steady-total-s'], 'steady-total-s', smoke ? 5 : 100, true) * 1000,
      rssLogins: positiveInteger(values['rss-logins'], 'rss-logins', smoke ? 0 : 20_000, true),
      budgetMs: positiveInteger(values['budget-s'], 'budget-s', smoke ? 60 : 290) * 1000,
      directoryMode: oneOf(
        values['directory-mode'],
        'directory-mode',
        ['auto', 'container', 'native'],
        'auto',
      ),
      serverLogLevel: oneOf(
        values['server-log-level'],
        'server-log-level',
        ['debug', 'info', 'warn', 'error'],
        'info',
      ),
      ...(poolSize === undefined ? {} : { poolSize: positiveInteger(poolSize, 'pool-size', 4) }),
      ...(values['open-loop-rate'] === undefined
        ? {}
        : { openLoopRate: positiveInteger(values['open-loop-rate'], 'open-loop-rate', 1) }),
      ...(values['cpu-prof'] ? { cpuProfileDir: values['cpu-prof'] } : {}),
      ...(values['server-script'] ? { manageScript: values['server-script'] } : {}),
      parts: PARTS.filter((part) => !skipped.includes(part)),
      vaultEntries: positiveInteger(values['vault-entries'], 'vault-entries', smoke ? 50 : 5000),
      rssVaultOps: positiveInteger(values['rss-vault-ops'], 'rss-vault-ops', smoke ? 100 : 20_000, true),
      scaleSizes: { users: scaleUsers, sessions: scaleSessions, secrets: scaleSecrets },
      cacheDir: resolve(values['cache-dir'] ?? CACHE_DIR),
    },
  };
}
