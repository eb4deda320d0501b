import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDirectory } from '@ldap-login/ldap-core/testing';
import { benchUsers } from '../bench-users.ts';
import { HttpClient } from '../http-client.ts';
import { startProductServer } from '../product-server.ts';
import { protocolClient } from '../targets/product-targets.ts';

const transport = (process.argv[2] ?? 'ldaps') as 'ldap' | 'ldaps';
const n = Number(process.argv[3] ?? 200);
const dir = await startDirectory({ dataset: 'openldap-memberof', extraUsers: 20, extraGroups: 2, largeGroupSize: 0, mode: 'native' });
const workDir = mkdtempSync(join(tmpdir(), 'diag-'));
const server = await startProductServer({ directory: dir, workDir, logLevel: 'info' });
const http = new HttpClient(server.origin);
const client = protocolClient(http);
const users = benchUsers(dir, 4);
for (const u of users) await client.login(`${u.login}@${server.domainFor(transport)}`, u.password);
const before = (await dir.log()).split('\n');
import { readdirSync, readFileSync } from 'node:fs';
const threads = () => Object.fromEntries(readdirSync(`/proc/${server.pid}/task`).map((tid) => { const st = readFileSync(`/proc/${server.pid}/task/${tid}/stat`, 'utf8'); const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); return [`${tid}:${name}`, [Number(f[11]) * 10, Number(f[12]) * 10]]; }));
const t0threads = threads();
import { spawn } from 'node:child_process';
const strace = process.env.STRACE ? spawn('strace', ['-f', '-c', '-e', 'trace=pwrite64,pwritev,fdatasync,fsync,write', '-p', String(server.pid)], { stdio: ['ignore', 'inherit', 'inherit'] }) : undefined;
if (strace) await new Promise((r) => setTimeout(r, 1000));
const logBefore = readFileSync(server.logFile, 'utf8').split('\n').length;
const cpu0 = server.cpuMs();
const t0 = performance.now();
for (let i = 0; i < n; i++) { const u = users[i % 4]!; await client.login(`${u.login}@${server.domainFor(transport)}`, u.password); }
const ms = performance.now() - t0;
if (strace) { strace.kill('SIGINT'); await new Promise((r) => strace.once('exit', r)); }
console.log('log lines per login', ((readFileSync(server.logFile, 'utf8').split('\n').length - logBefore) / n).toFixed(2));
console.log(readFileSync(server.logFile, 'utf8').split('\n').slice(-3).join('\n'));
const cpu = server.cpuMs() - cpu0;
const t1threads = threads();
console.log('proc stat', readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(11, 15), 'cpu0', cpu0, 'cpuNow', server.cpuMs(), 'threads', Object.keys(t1threads).length);
for (const [k, [u, sy]] of Object.entries(t1threads)) { const [u0, s0] = t0threads[k] ?? [0, 0]; if (u - u0 + sy - s0 > 0) console.log(k, 'user', u - u0, 'sys', sy - s0); }
const after = (await dir.log()).split('\n').slice(before.length);
const count = (re: RegExp) => after.filter((l) => re.test(l)).length;
console.log({ transport, n, ms: Math.round(ms), perLoginMs: (ms / n).toFixed(2), serverCpuPerLogin: (cpu / n).toFixed(2), accepts: count(/ACCEPT/), binds: count(/ BIND dn=/), searches: count(/ SRCH base=/), unbinds: count(/UNBIND/), closed: count(/closed/) });

await http.close(); await server.stop(); await dir.stop();
