import { createServer } from 'node:http';
import { HttpClient } from '../http-client.ts';
import { runLoad } from '../load-runner.ts';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
// child-process-free calibration: the server runs in this process, so measure total CPU per request.
const kind = process.argv[2] ?? 'node';
let port: number;
if (kind === 'node') {
  const s = createServer((req, res) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => { res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify({ ok: b.length })); }); });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  port = (s.address() as { port: number }).port;
} else {
  const app = new Hono();
  if (kind === 'hono-mw') {
    app.use('*', secureHeaders());
    app.use('*', async (c, next) => { await next(); c.header('Cache-Control', 'no-store'); });
    app.use('*', bodyLimit({ maxSize: 65536 }));
  }
  if (kind === 'hono-sh') app.use('*', secureHeaders());
  if (kind === 'hono-after') app.use('*', async (c, next) => { await next(); c.header('Cache-Control', 'no-store'); });
  if (kind === 'hono-bl') app.use('*', bodyLimit({ maxSize: 65536 }));
  if (kind === 'hono-pre') {
    app.use('*', async (c, next) => { c.header('Cache-Control', 'no-store'); c.header('X-Content-Type-Options', 'nosniff'); await next(); });
  }
  app.post('/x', async (c) => { const b = await c.req.json(); c.header('Cache-Control', 'no-store'); return c.json({ ok: Object.keys(b).length }); });
  const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => s.once('listening', () => r()));
  port = (s.address() as { port: number }).port;
}
const http = new HttpClient(`http://127.0.0.1:${port}`);
const body = JSON.stringify({ a: 'x'.repeat(300), b: 1 });
await runLoad({ concurrency: 8, durationMs: 1000, maxRequests: 1e6, operation: async () => { await http.request('POST', '/x', { 'content-type': 'application/json' }, body); } });
const c0 = process.cpuUsage();
const r = await runLoad({ concurrency: 8, durationMs: 3000, maxRequests: 1e6, operation: async () => { await http.request('POST', '/x', { 'content-type': 'application/json' }, body); } });
const c = process.cpuUsage(c0);
console.log(kind, r.throughput, '/s', ((c.user + c.system) / 1000 / r.requests).toFixed(3), 'ms CPU per request (client+server)');
process.exit(0);
