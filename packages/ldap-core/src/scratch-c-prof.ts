import { ldapEntrySchema } from '@ldap-login/config-schema';
import { Client } from 'ldapts';
import { DirectoryService } from './directory-service.ts';
import { startDirectory } from './testing/index.ts';

async function run(concurrency: number, ms: number, once: (i: number) => Promise<void>) {
  let done = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w; performance.now() < end; i += concurrency) { await once(i); done++; }
  }));
  const cpu = process.cpuUsage(cpu0);
  return `${Math.round(done / (ms / 1000))}/s ${Math.round((cpu.user + cpu.system) / done)}us-cpu/login`;
}
const d = await startDirectory({ dataset: 'openldap-memberof', mode: 'native', largeGroupSize: 0, extraUsers: 500, extraGroups: 10 });
const users = Array.from({ length: 500 }, (_, i) => d.users[`user${String(i + 1).padStart(5, '0')}`]!);
for (const url of [d.url, d.ldapsUrl]) {
  const concurrency = 16;
  for (let round = 0; round < 2; round++) {
    const tlsOptions = url.startsWith('ldaps') ? { ca: d.caCert } : undefined;
    const services: Client[] = []; const binders: Client[] = [];
    for (let k = 0; k < 4; k++) {
      const s = new Client({ url, tlsOptions }); await s.bind(d.bindDn, d.bindPassword); services.push(s);
      const b = new Client({ url, tlsOptions }); await b.bind(d.bindDn, d.bindPassword); binders.push(b);
    }
    // raw: 4 + 4 reused connections shared by 16 workers without any pool logic (requests multiplexed)
    const raw = await run(concurrency, 2000, async (i) => {
      const u = users[i % 500]!;
      const r = await services[i % 4]!.search(d.definition.peopleDn, { scope: 'sub', filter: `(&(objectClass=inetOrgPerson)(uid=${u.login}))`, attributes: ['entryUUID', 'uid', 'mail', 'memberOf'] });
      const b = new Client({ url, tlsOptions }); // placeholder never used
      void b;
      await binders[i % 4]!.bind(r.searchEntries[0]!.dn, u.password).catch(() => undefined);
    });
    for (const c of [...services, ...binders]) await c.unbind();
    const svc = new DirectoryService([ldapEntrySchema.parse(d.ldapEntry({ LDAP_URL: url }))]);
    await svc.authenticate(`${users[0]!.login}@${d.domain}`, users[0]!.password);
    const mine = await run(concurrency, 2000, async (i) => {
      const u = users[i % 500]!;
      await svc.authenticate(`${u.login}@${d.domain}`, u.password);
    });
    await svc.close();
    console.log(url.split(':')[0], 'c=16 raw', raw, '| DirectoryService', mine);
  }
}
await d.stop();
