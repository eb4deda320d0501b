/**
 * The product server's own CPU per request, without a directory: the built server with an
 * in-memory directory (`fake-directory-server.ts`) in one process, the protocol client (the web
 * client's encrypted login, over the same HTTP client as `npm run bench`) in this one. It prints,
 * per target, requests per second, latency and the CPU milliseconds per request of each process.
 * Changes to the server's code show here first and most clearly; `npm run bench` then measures them
 * against the directory and the peer.
 *
 * Usage: npm run server-cost -w @ldap-login/bench -- [--concurrency 16] [--cell-ms 5000] [--users 64]
 *   [--vault-entries 5000] [--only login,'GET /user/','vault read','vault write']
 *   [--server-script PATH] [--node-arg ARG]...
 *
 * `--server-script` runs another checkout's `fake-directory-server.ts` (which resolves that
 * checkout's built server), so that two revisions are compared with the same client in the same
 * minutes; `--node-arg` passes options such as `--cpu-prof` to the server's process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { API_BASE_PATH } from '@ldap-login/server';
import { ProtocolClient, type Session } from '@ldap-login/server/testing';
import { userFor } from '../bench-users.ts';
import { startChild } from '../child-process.ts';
import { HttpClient } from '../http-client.ts';
import { measureLoad } from '../load-runner.ts';
import { MALLOC_ENV } from '../malloc-env.ts';
import { createBenchVault } from '../targets/vault-target.ts';
import { FAKE_DOMAIN, fakeUsers } from './fake-users.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    'cell-ms': { type: 'string', default: '5000' },
    users: { type: 'string', default: '64' },
    'vault-entries': { type: 'string', default: '5000' },
    only: { type: 'string' },
    'server-script': { type: 'string' },
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const concurrency = Number(values.concurrency);
const cellMs = Number(values['cell-ms']);
const userCount = Number(values.users);
const vaultEntries = Number(values['vault-entries']);
for (const [name, value] of [
  ['vault-entries', vaultEntries],
  ['concurrency', concurrency],
  ['cell-ms', cellMs],
  ['users', userCount],
] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number above 0`);
}

const workDir = mkdtempSync(join(tmpdir(), 'ldap-login-server-cost-log-'));
const server = await startChild({
  label: 'server with an in-memory directory',
  nodeArgs: [
    ...values['node-arg'],
    '--import',
    'tsx',
    values['server-script'] ?? fileURLToPath(new URL('./fake-directory-server.ts', import.meta.url)),
  ],
  env: { ...process.env, ...MALLOC_ENV, SERVER_COST_USERS: String(userCount) },
  logFile: join(workDir, 'server.log'),
  ready: /listening on (\S+)/,
});
const http = new HttpClient(server.readyMatch);
const client = new ProtocolClient(http.transport(API_BASE_PATH));
const users = fakeUsers(userCount);
const logIn = (sequence: number) => {
  const user = userFor(users, sequence);
  return client.login(`${user.login}@${FAKE_DOMAIN}`, user.password);
};

try {
  // First logins create the accounts (scrypt on both sides); the measured ones are returning users.
  for (let index = 0; index < users.length; index++) await logIn(index);
  const sessions: Session[] = [];
  for (let worker = 0; worker < concurrency; worker++) sessions.push(await logIn(worker));

  const selected = (name: string) => values.only === undefined || values.only.split(',').includes(name);
  // The datastore is built only when a vault target runs (5,000 entries take a while to write).
  const vault =
    selected('vault read') || selected('vault write')
      ? await createBenchVault(sessions[0]!, vaultEntries, `server-cost ${Date.now()}`)
      : undefined;
  const allTargets: [string, (worker: number, sequence: number) => Promise<unknown>, number][] = [
    ['login', (_worker, sequence) => logIn(sequence), concurrency],
    ['GET /user/', (worker) => sessions[worker]!.call('GET', '/user/'), concurrency],
    // One user's datastore (and one secret), read or written one after the other.
    ['vault read', () => vault!.read(), 1],
    ['vault write', () => vault!.write(), 1],
  ];
  const targets = allTargets.filter(([name]) => selected(name));
  console.log(
    `server with an in-memory directory, ${users.length} users, concurrency ${concurrency} ` +
      `(vault: ${vaultEntries} entries, concurrency 1)`,
  );
  console.log('target        req/s   p50 ms   p99 ms  errors  server CPU ms/req  load-gen CPU ms/req');
  for (const [name, operation, targetConcurrency] of targets) {
    const { result, serverCpuMsPerRequest, clientCpuMsPerRequest } = await measureLoad({
      concurrency: targetConcurrency,
      warmupMs: Math.min(1000, cellMs),
      durationMs: cellMs,
      operation: async (worker, sequence) => {
        await operation(worker, sequence);
      },
      answering: server,
    });
    console.log(
      [
        name.padEnd(12),
        String(result.throughput).padStart(6),
        result.p50Ms.toFixed(2).padStart(8),
        result.p99Ms.toFixed(2).padStart(8),
        String(result.errors).padStart(7),
        (serverCpuMsPerRequest?.toFixed(3) ?? '-').padStart(18),
        clientCpuMsPerRequest.toFixed(3).padStart(20),
      ].join(' '),
    );
    if (result.errors > 0) console.log(`  errors: ${result.errorSamples.join('; ')}`);
  }
  console.log(`server RSS ${server.rssMb()} MB`);
} finally {
  await http.close();
  await server.stop();
  rmSync(workDir, { recursive: true, force: true });
}
