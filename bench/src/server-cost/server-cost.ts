/**
 * The product server's own CPU per request, without a directory: the built server with an
 * in-memory directory (`fake-directory-server.ts`) in one process, the protocol client (the web
 * client's encrypted login, over the same HTTP client as `npm run bench`) in this one. It prints,
 * per target, requests per second, latency and the CPU milliseconds per request of each process.
 * Changes to the server's code show here first and most clearly; `npm run bench` then measures them
 * against the directory and the peer.
 *
 * Usage: npm run server-cost -w @ldap-login/bench -- [--concurrency 16] [--cell-ms 5000] [--users 64]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { API_BASE_PATH } from '@ldap-login/server';
import { ProtocolClient, type Session } from '@ldap-login/server/testing';
import { HttpClient } from '../http-client.ts';
import { runLoad } from '../load-runner.ts';
import { FAKE_DOMAIN, fakeUsers } from './fake-users.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    'cell-ms': { type: 'string', default: '5000' },
    users: { type: 'string', default: '64' },
  },
});
const concurrency = Number(values.concurrency);
const cellMs = Number(values['cell-ms']);
const userCount = Number(values.users);
for (const [name, value] of [
  ['concurrency', concurrency],
  ['cell-ms', cellMs],
  ['users', userCount],
] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number above 0`);
}

const child = fork(fileURLToPath(new URL('./fake-directory-server.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072', SERVER_COST_USERS: String(userCount) },
});
const nextMessage = <T>() =>
  new Promise<T>((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`the server exited with code ${code}`)));
  });
const serverCpu = async () => {
  const answer = nextMessage<{ cpuMs: number; rssBytes: number }>();
  child.send('cpu');
  return answer;
};

const { url } = await nextMessage<{ url: string }>();
const http = new HttpClient(url);
const client = new ProtocolClient(http.transport(API_BASE_PATH));
const users = fakeUsers(userCount);
const logIn = (index: number) => {
  const user = users[index % users.length]!;
  return client.login(`${user.login}@${FAKE_DOMAIN}`, user.password);
};

try {
  // First logins create the accounts (scrypt on both sides); the measured ones are returning users.
  for (let index = 0; index < users.length; index++) await logIn(index);
  const sessions: Session[] = [];
  for (let worker = 0; worker < concurrency; worker++) sessions.push(await logIn(worker));

  const targets: [string, (worker: number, sequence: number) => Promise<unknown>][] = [
    ['login', (_worker, sequence) => logIn(sequence)],
    ['GET /user/', (worker) => sessions[worker]!.call('GET', '/user/')],
  ];
  console.log(`server with an in-memory directory, ${users.length} users, concurrency ${concurrency}`);
  console.log('target        req/s   p50 ms   p99 ms  errors  server CPU ms/req  load-gen CPU ms/req');
  for (const [name, operation] of targets) {
    const load = (durationMs: number) =>
      runLoad({
        concurrency,
        durationMs,
        maxRequests: 1_000_000,
        requestTimeoutMs: 10_000,
        operation: async (worker, sequence) => {
          await operation(worker, sequence);
        },
      });
    await load(Math.min(1000, cellMs));
    const serverBefore = await serverCpu();
    const clientBefore = process.cpuUsage();
    const result = await load(cellMs);
    const clientCpu = process.cpuUsage(clientBefore);
    const serverAfter = await serverCpu();
    const perRequest = (ms: number) => (result.requests > 0 ? (ms / result.requests).toFixed(3) : '-');
    console.log(
      [
        name.padEnd(12),
        String(result.throughput).padStart(6),
        result.p50Ms.toFixed(2).padStart(8),
        result.p99Ms.toFixed(2).padStart(8),
        String(result.errors).padStart(7),
        perRequest(serverAfter.cpuMs - serverBefore.cpuMs).padStart(18),
        perRequest((clientCpu.user + clientCpu.system) / 1000).padStart(20),
      ].join(' '),
    );
    if (result.errors > 0) console.log(`  errors: ${result.errorSamples.join('; ')}`);
  }
  console.log(`server RSS ${((await serverCpu()).rssBytes / 1e6).toFixed(1)} MB`);
} finally {
  await http.close();
  child.send('stop');
}
