/**
 * Vault writes over a real HTTP server on loopback, where the body is read from Node's request
 * (`request-body.ts`): whole bodies by Content-Length and chunked, the size limit, and clients
 * whose Content-Length does not match what they send. `app.request()` (no Node request) takes
 * hono's path, which the vault routes' own tests cover.
 */
import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { encryptedSchema } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpServerOptions } from '../server.ts';
import { FakeDirectory } from '../test-support/fake-directory.ts';
import { ProtocolClient, type Session } from '../test-support/protocol-client.ts';
import { refusal } from '../test-support/refusal.ts';
import { cipher, nonce } from '../test-support/stand-ins.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';

const VAULT_MAX_BODY_SIZE = 1024 * 1024;
/** Seconds a client has to send a whole request (Node answers 408 after it). */
const REQUEST_TIMEOUT = 3;

let t: TestApp;
let server: Server;
let port: number;
let alice: Session;
let datastoreId: string;

beforeAll(async () => {
  const directory = new FakeDirectory();
  directory.add({ login: 'alice', domain: 'example.com', password: 'alice-pw', guid: 'guid-alice' });
  t = await createTestApp({
    directory,
    settings: {
      VAULT_MAX_BODY_SIZE,
      HTTP_HEADERS_TIMEOUT: REQUEST_TIMEOUT,
      HTTP_REQUEST_TIMEOUT: REQUEST_TIMEOUT,
    },
  });
  server = serve({
    fetch: t.app.fetch,
    hostname: '127.0.0.1',
    port: 0,
    serverOptions: httpServerOptions(t.settings),
  }) as Server;
  await new Promise<void>((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
  alice = await ProtocolClient.forUrl(`http://127.0.0.1:${port}/server`).login(
    'alice@example.com',
    'alice-pw',
  );
  ({ datastore_id: datastoreId } = await alice.call<{ datastore_id: string }>('PUT', '/datastore/', {
    type: 'password',
    description: 'default',
    data: cipher(),
    data_nonce: nonce(),
    is_default: true,
    secret_key: cipher(32),
    secret_key_nonce: nonce(),
  }));
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
});

/** A datastore update sealed for transport, as the bytes a client sends. */
function sealedUpdate(dataBytes: number) {
  const update = { datastore_id: datastoreId, data: cipher(dataBytes), data_nonce: nonce() };
  const body = Buffer.from(
    JSON.stringify(sodiumCrypto.secretboxSeal(JSON.stringify(update), alice.sessionSecret)),
  );
  return { update, body };
}

async function storedData(): Promise<string> {
  return (await alice.call<{ data: string }>('GET', `/datastore/${datastoreId}/`)).data;
}

/** Status and code of a reply, opened with the session secret when it is sealed. */
function replyOf(status: number, text: string): { status: number; code?: string } {
  const parsed: unknown = text === '' ? undefined : JSON.parse(text);
  const envelope = encryptedSchema.safeParse(parsed);
  const plain = (
    envelope.success ? JSON.parse(sodiumCrypto.secretboxOpen(envelope.data, alice.sessionSecret)) : parsed
  ) as { non_field_errors?: string[] } | undefined;
  return status === 200 ? { status } : { status, code: plain?.non_field_errors?.[0] };
}

/** POST /datastore/ with a chunked body (no Content-Length), sent in `pieces` writes. */
function postChunked(body: Buffer, pieces: number): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/server/datastore/',
        headers: { ...alice.headers(), 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve(replyOf(response.statusCode ?? 0, Buffer.concat(chunks).toString())),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    const size = Math.ceil(body.length / pieces);
    for (let start = 0; start < body.length; start += size) request.write(body.subarray(start, start + size));
    request.end();
  });
}

/**
 * A POST /datastore/ written on a plain socket: the head with `contentLength`, then `body`, then
 * the socket ended (`end`), cut (`destroy`) or left open (`wait`). Resolves to everything the
 * server sent until it closed the connection (bounded in time).
 */
function rawPost(contentLength: number, body: Buffer, then: 'end' | 'destroy' | 'wait'): Promise<string> {
  const headers = {
    ...alice.headers(),
    'Content-Type': 'application/json',
    'Content-Length': String(contentLength),
  };
  const head = [
    'POST /server/datastore/ HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const limit = setTimeout(() => socket.destroy(), (REQUEST_TIMEOUT + 5) * 1000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      clearTimeout(limit);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.write(head);
    socket.write(body, () => {
      if (then === 'end') socket.end();
      else if (then === 'destroy') socket.destroy();
    });
  });
}

/** Node's own reply to bytes its HTTP parser cannot take; it closes the connection after it. */
const NODE_BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';

describe('vault write bodies over HTTP', () => {
  it('stores a body read by its Content-Length whole, and a chunked one', async () => {
    const byLength = sealedUpdate(200_000);
    await alice.call('POST', '/datastore/', byLength.update);
    expect(await storedData()).toBe(byLength.update.data);

    const chunked = sealedUpdate(200_000);
    expect(await postChunked(chunked.body, 7)).toEqual({ status: 200 });
    expect(await storedData()).toBe(chunked.update.data);
  });

  it('reads large bodies one after another, and two at once, each whole (the memory of one is reused)', async () => {
    const post = async (body: Buffer) => {
      const response = await fetch(`http://127.0.0.1:${port}/server/datastore/`, {
        method: 'POST',
        headers: { ...alice.headers(), 'Content-Type': 'application/json' },
        body,
      });
      return replyOf(response.status, await response.text());
    };
    for (const dataBytes of [200_000, 80_000, 150_000, 200_000]) {
      const write = sealedUpdate(dataBytes);
      expect(await post(write.body)).toEqual({ status: 200 });
      expect(await storedData()).toBe(write.update.data);

      // A tampered body between two good ones: refused, nothing stored, the next one whole.
      const tampered = sealedUpdate(dataBytes).body;
      const at = tampered.indexOf('"text":"') + 20;
      tampered[at] = tampered[at] === 0x30 ? 0x31 : 0x30;
      expect(await post(tampered)).toEqual({ status: 400, code: 'REQUEST_CANNOT_BE_DECRYPTED' });
      expect(await storedData()).toBe(write.update.data);
    }
    const [first, second] = [sealedUpdate(200_000), sealedUpdate(190_000)];
    expect(await Promise.all([post(first.body), post(second.body)])).toEqual([
      { status: 200 },
      { status: 200 },
    ]);
    expect([first.update.data, second.update.data]).toContain(await storedData());
    const last = sealedUpdate(120_000);
    expect(await post(last.body)).toEqual({ status: 200 });
    expect(await storedData()).toBe(last.update.data);
  });

  it('answers 413 REQUEST_TOO_LARGE to a Content-Length above the limit and to a chunked body past it', async () => {
    const before = await storedData();
    const tooBig = sealedUpdate(VAULT_MAX_BODY_SIZE / 2);
    expect(tooBig.body.length).toBeGreaterThan(VAULT_MAX_BODY_SIZE);
    expect(await refusal(alice.call('POST', '/datastore/', tooBig.update))).toEqual({
      status: 413,
      code: 'REQUEST_TOO_LARGE',
    });
    expect(await postChunked(tooBig.body, 5)).toEqual({ status: 413, code: 'REQUEST_TOO_LARGE' });
    expect(await storedData()).toBe(before);
  });

  it('ends the body at its Content-Length when the client sends more: Node refuses the rest (400), nothing stored', async () => {
    const before = await storedData();
    const { body } = sealedUpdate(100_000);
    // The body is cut 10 bytes short of what is sent; those 10 bytes are read as the next
    // request, which Node's parser refuses at once, closing the connection.
    const raw = await rawPost(body.length - 10, body, 'wait');
    expect(raw).toBe(NODE_BAD_REQUEST);
    expect(await storedData()).toBe(before);
  });

  it.each([
    ['ends its side of the connection (Node answers 400)', 'end', NODE_BAD_REQUEST],
    ['drops the connection', 'destroy', ''],
  ] as const)(
    'stores nothing when a client sends less than its Content-Length and %s',
    async (_name, then, reply) => {
      const before = await storedData();
      const { body } = sealedUpdate(100_000);
      expect(await rawPost(body.length + 1000, body, then)).toBe(reply);
      expect(await storedData()).toBe(before);
      // The server goes on answering.
      const next = sealedUpdate(1000);
      await alice.call('POST', '/datastore/', next.update);
      expect(await storedData()).toBe(next.update.data);
    },
  );

  it('answers 408 to a client that stops sending before its Content-Length, and stores nothing', async () => {
    const before = await storedData();
    const { body } = sealedUpdate(100_000);
    const started = Date.now();
    const raw = await rawPost(body.length + 1000, body, 'wait');
    expect(raw.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEST_TIMEOUT * 1000 - 100);
    expect(await storedData()).toBe(before);
  }, 20_000);
});
