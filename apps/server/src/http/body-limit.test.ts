import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { limitBodySize } from './body-limit.ts';

class TooLarge extends Error {}

function appWithLimit(maxBytes: number) {
  const app = new Hono();
  app.use(
    '*',
    limitBodySize(maxBytes, (reason) => new TooLarge(reason)),
  );
  app.post('/echo', async (c) => c.text(await c.req.text()));
  app.get('/echo', (c) => c.text('get'));
  app.onError((error, c) => c.text(error instanceof TooLarge ? 'too large' : 'other', 413));
  return app;
}

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('limitBodySize', () => {
  const app = appWithLimit(10);

  it('passes bodies up to the limit, by Content-Length or counted', async () => {
    const declared = await app.request('/echo', {
      method: 'POST',
      body: '0123456789',
      headers: { 'Content-Length': '10' },
    });
    expect([declared.status, await declared.text()]).toEqual([200, '0123456789']);
    const streamed = await app.request('/echo', {
      method: 'POST',
      body: streamOf(['01234', '56789']),
      duplex: 'half',
    } as RequestInit);
    expect([streamed.status, await streamed.text()]).toEqual([200, '0123456789']);
    expect(await (await app.request('/echo')).text()).toBe('get');
  });

  it('refuses a declared length above the limit and a streamed body once it passes the limit', async () => {
    const declared = await app.request('/echo', {
      method: 'POST',
      body: '01234567890',
      headers: { 'Content-Length': '11' },
    });
    expect([declared.status, await declared.text()]).toEqual([413, 'too large']);
    const streamed = await app.request('/echo', {
      method: 'POST',
      body: streamOf(['012345', '678901']),
      duplex: 'half',
    } as RequestInit);
    expect([streamed.status, await streamed.text()]).toEqual([413, 'too large']);
  });
});
