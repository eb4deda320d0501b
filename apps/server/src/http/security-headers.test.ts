import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { describe, expect, it } from 'vitest';
import { presetHeaders, securityHeaderList, strictTransportSecurity } from './security-headers.ts';

const POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  frameAncestors: ["'none'"],
};

function headersOf(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name !== 'content-type'));
}

describe('presetHeaders', () => {
  it("writes the same headers as hono's secureHeaders, on JSON replies, errors and handler-built replies", async () => {
    const build = (middleware: ReturnType<typeof presetHeaders>) => {
      const app = new Hono();
      app.use('*', middleware);
      app.get('/json', (c) => c.json({ ok: true }));
      app.get('/raw', () => new Response('file', { headers: { 'Cache-Control': 'no-cache' } }));
      app.get('/fail', () => {
        throw new Error('boom');
      });
      app.onError((_error, c) => c.json({ failed: true }, 500));
      return app;
    };
    const ours = build(presetHeaders(securityHeaderList(POLICY)));
    // Strict-Transport-Security is chosen per request (https only), see below.
    const hono = build(
      secureHeaders({
        contentSecurityPolicy: POLICY,
        crossOriginEmbedderPolicy: false,
        strictTransportSecurity: false,
      }),
    );
    for (const path of ['/json', '/raw', '/fail']) {
      const expected = headersOf(await hono.request(path));
      expect(Object.keys(expected).length).toBeGreaterThan(10);
      expect(headersOf(await ours.request(path)), path).toEqual(expected);
    }
    // Replies built through the context carry the headers without the check afterwards.
    const unchecked = build(presetHeaders(securityHeaderList(POLICY), (path) => path !== '/raw'));
    for (const path of ['/json', '/raw', '/fail']) {
      expect(headersOf(await unchecked.request(path)), path).toEqual(headersOf(await hono.request(path)));
    }
    expect((await ours.request('/json')).headers.get('Content-Security-Policy')).toBe(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'",
    );
  });
});

describe('presetHeaders behind a Node server', () => {
  it("writes them on Node's reply for context-built paths: the same headers, a route's own one wins", async () => {
    const list = [...securityHeaderList(POLICY), ['Cache-Control', 'no-store'] as const];
    const app = new Hono();
    app.use(
      '*',
      presetHeaders(list, () => true),
    );
    app.get('/json', (c) => c.json({ ok: true }));
    app.get('/own', (c) => {
      c.header('Cache-Control', 'private, max-age=5');
      c.header('Set-Cookie', 'a=1; Path=/', { append: true });
      return c.json({ ok: true });
    });
    app.get('/fail', () => {
      throw new Error('boom');
    });
    app.onError((_error, c) => c.json({ failed: true }, 500));
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const expected = Object.fromEntries(list.map(([name, value]) => [name.toLowerCase(), value]));
      for (const path of ['/json', '/fail']) {
        const reply = await fetch(`${base}${path}`);
        const headers = Object.fromEntries(reply.headers);
        for (const [name, value] of Object.entries(expected))
          expect(headers[name], `${path} ${name}`).toBe(value);
        expect(headers['content-type'], path).toBe('application/json');
        expect(await reply.json(), path).toEqual(path === '/json' ? { ok: true } : { failed: true });
      }
      const own = await fetch(`${base}/own`);
      expect(own.headers.get('Cache-Control')).toBe('private, max-age=5');
      expect(own.headers.getSetCookie()).toEqual(['a=1; Path=/']);
      expect(own.headers.get('X-Frame-Options')).toBe('SAMEORIGIN');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('strictTransportSecurity', () => {
  it.each([
    [15_552_000, false, 'max-age=15552000'],
    [31_536_000, true, 'max-age=31536000; includeSubDomains'],
    [0, true, undefined],
  ])('max-age %s, includeSubDomains %s: %s', (maxAge, subdomains, expected) => {
    expect(strictTransportSecurity(maxAge, subdomains)).toBe(expected);
  });

  it('is added to the replies of the requests the chooser picks, handler-built replies included', async () => {
    const base = securityHeaderList(POLICY);
    const withHsts = [...base, ['Strict-Transport-Security', 'max-age=60'] as const];
    const app = new Hono();
    app.use(
      '*',
      presetHeaders((c) => (c.req.header('X-Test-Https') === '1' ? withHsts : base)),
    );
    app.get('/json', (c) => c.json({ ok: true }));
    app.get('/raw', () => new Response('file'));
    for (const path of ['/json', '/raw']) {
      const https = await app.request(path, { headers: { 'X-Test-Https': '1' } });
      expect(https.headers.get('Strict-Transport-Security'), path).toBe('max-age=60');
      const plain = await app.request(path);
      expect(plain.headers.get('Strict-Transport-Security'), path).toBeNull();
      expect(plain.headers.get('Content-Security-Policy'), path).not.toBeNull();
    }
  });
});
