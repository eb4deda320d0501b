import { ldapEntrySchema } from '@ldap-login/config-schema';
import { Client } from 'ldapts';
import { it } from 'vitest';
import { DirectoryService } from './directory-service.ts';
import { startDirectory } from './testing/index.ts';

async function run(concurrency: number, ms: number, once: (i: number) => Promise<void>) {
  let done = 0; let errors = 0; const end = performance.now() + ms;
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    let i = w;
    while (performance.now() < end) { try { await once(i); done++; } catch (e) { errors++; if (errors < 3) console.log(e); } i += concurrency; }
  }));
  return { perSecond: Math.round(done / (ms / 1000)), errors };
}

it('bench', async () => {
  const d = await startDirectory({ dataset: 'openldap-memberof', mode: 'native', largeGroupSize: 0, extraUsers: 500, extraGroups: 10 });
  const users = Array.from({ length: 500 }, (_, i) => d.users[`user${String(i + 1).padStart(5, '0')}`]!);
  for (const url of [d.url, d.ldapsUrl]) {
   for (const concurrency of [1, 16]) {
    // raw: one service client and one bind client per worker
    const services: Client[] = []; const binders: Client[] = [];
    for (let k = 0; k < concurrency; k++) {
      const tlsOptions = url.startsWith('ldaps') ? { ca: d.caCert } : undefined;
      const s = new Client({ url, tlsOptions }); await s.bind(d.bindDn, d.bindPassword); services.push(s);
      binders.push(new Client({ url, tlsOptions }));
    }
    const raw = await run(concurrency, 2000, async (i) => {
      const u = users[i % users.length]!;
      const w = i % concurrency;
      const r = await services[w]!.search(d.definition.peopleDn, { scope: 'sub', filter: `(&(objectClass=inetOrgPerson)(uid=${u.login}))`, attributes: ['entryUUID', 'uid', 'mail', 'memberOf'] });
      await binders[w]!.bind(r.searchEntries[0]!.dn, u.password);
    });
    for (const c of [...services, ...binders]) await c.unbind();
    const svc = new DirectoryService([ldapEntrySchema.parse(d.ldapEntry({ LDAP_URL: url, LDAP_POOL_SIZE: 4 }))]);
    const mine = await run(concurrency, 2000, async (i) => {
      const u = users[i % users.length]!;
      await svc.authenticate(`${u.login}@${d.domain}`, u.password);
    });
    await svc.close();
    const svc16 = new DirectoryService([ldapEntrySchema.parse(d.ldapEntry({ LDAP_URL: url, LDAP_POOL_SIZE: 16 }))]);
    const mine16 = await run(concurrency, 2000, async (i) => {
      const u = users[i % users.length]!;
      await svc16.authenticate(`${u.login}@${d.domain}`, u.password);
    });
    await svc16.close();
    console.log(url.split(':')[0], 'c=' + concurrency, 'raw', raw, 'pool4', mine, 'pool16', mine16);
   }
  }
  await d.stop();
}, 120000);
