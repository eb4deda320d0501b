import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { countVaultOperations } from './vault-operations.ts';

describe('countVaultOperations', () => {
  it('counts successful GETs as reads and PUT, POST, DELETE as writes, by resource; failures not at all', async () => {
    const counted: string[] = [];
    const metrics = {
      vaultRead: (resource: string) => counted.push(`read ${resource}`),
      vaultWrite: (resource: string) => counted.push(`write ${resource}`),
    };
    const app = new Hono({ strict: false });
    app.use('/datastore/*', countVaultOperations(metrics, 'datastore'));
    app.get('/datastore', (c) => c.json({ datastores: [] }));
    app.get('/datastore/:id', (c) => (c.req.param('id') === 'missing' ? c.json({}, 404) : c.json({})));
    app.on(['PUT', 'POST', 'DELETE'], '/datastore', (c) => c.json({}, c.req.method === 'PUT' ? 201 : 200));

    await app.request('/datastore/');
    await app.request('/datastore/abc/');
    await app.request('/datastore/missing/');
    for (const method of ['PUT', 'POST', 'DELETE']) await app.request('/datastore/', { method });
    expect(counted).toEqual([
      'read datastore',
      'read datastore',
      'write datastore',
      'write datastore',
      'write datastore',
    ]);
  });
});
