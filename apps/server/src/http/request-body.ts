/**
 * A request's body as one Buffer, for the routes that take megabytes (the vault writes).
 *
 * Why not `c.req.arrayBuffer()` alone: @hono/node-server gathers Node's chunks, joins them with
 * `Buffer.concat`, then `arrayBuffer()` copies the joined body once more into its own
 * `ArrayBuffer`; on a 5 MB datastore write those copies and the page faults of their fresh
 * megabytes were a large share of the server's CPU. A body whose length `limitBodySize` has
 * already checked against the route's limit is read from Node's request straight into one Buffer
 * of that length. Everything else (a chunked body, a request that is not a Node one such as
 * `app.request()` in tests, a stream someone else has started reading) goes the existing way.
 */
import { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';

/** Bodies read here, so that a second read of the same request gets the same bytes. */
const bodies = new WeakMap<IncomingMessage, Promise<Buffer>>();

// Fresh memory for a large body costs more than copying into it: glibc (with the deployment's
// `MALLOC_MMAP_THRESHOLD_`) maps every large buffer anew, and each of its pages faults on first
// write; for a 5 MB datastore write that was a quarter of the server's CPU. The buffer of one
// large body that its reader has finished with is kept for the next one.
const SPARE_MIN_BYTES = 256 * 1024;
const SPARE_MAX_BYTES = 16 * 1024 * 1024;
let spare: ArrayBuffer | undefined;
/** The memory of the bodies read here (hono's own buffers are never given out again). */
const ownMemory = new WeakSet<ArrayBuffer>();

function bodyBuffer(length: number): Buffer {
  if (length >= SPARE_MIN_BYTES && spare !== undefined && spare.byteLength >= length) {
    const buffer = Buffer.from(spare, 0, length);
    spare = undefined;
    return buffer;
  }
  const buffer = Buffer.allocUnsafe(length);
  // Small ones share Node's pool with other buffers: only a large one is its own memory.
  if (length >= SPARE_MIN_BYTES) ownMemory.add(buffer.buffer as ArrayBuffer);
  return buffer;
}

/**
 * Gives back the bytes of a body that `requestBodyBytes` returned, once nothing will read them
 * again (not even a second read of the same request): the next large body may be read into them.
 */
export function releaseRequestBody(body: Buffer): void {
  const memory = body.buffer;
  if (!(memory instanceof ArrayBuffer) || !ownMemory.has(memory)) return;
  if (memory.byteLength > SPARE_MAX_BYTES || memory.byteLength <= (spare?.byteLength ?? 0)) return;
  spare = memory;
}

export function requestBodyBytes(c: Context<AppEnv>): Promise<Buffer> {
  const incoming = c.env?.incoming;
  if (incoming instanceof IncomingMessage) {
    const known = bodies.get(incoming);
    if (known) return known;
    const length = c.get('checkedBodyLength');
    if (length !== undefined && readableFromStart(incoming)) {
      const body = readDeclaredBody(incoming, length);
      bodies.set(incoming, body);
      return body;
    }
  }
  return c.req.arrayBuffer().then((bytes) => Buffer.from(bytes));
}

/** Nobody has read it, it hands out bytes, and it is still open (otherwise hono's path decides). */
function readableFromStart(incoming: IncomingMessage): boolean {
  return (
    !incoming.readableDidRead &&
    incoming.readableEncoding === null &&
    !incoming.destroyed &&
    !incoming.errored &&
    !incoming.readableEnded
  );
}

/**
 * Node's HTTP parser ends the body at its Content-Length (bytes after it are the next request),
 * so more than `length` bytes cannot arrive; fewer arrive when the client stops sending, and the
 * read then fails the way hono's does (the client is gone, nobody reads the answer).
 */
function readDeclaredBody(incoming: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const body = bodyBuffer(length);
    let received = 0;
    const finish = (outcome: () => void) => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      outcome();
    };
    const complete = () => {
      if (received === length) finish(() => resolve(body));
      else finish(() => reject(new Error(`body of ${received} bytes, its Content-Length says ${length}`)));
    };
    const onData = (chunk: Buffer) => {
      if (received + chunk.length > length) {
        finish(() => reject(new Error(`body longer than its Content-Length of ${length} bytes`)));
        incoming.destroy();
        return;
      }
      chunk.copy(body, received);
      received += chunk.length;
    };
    const onEnd = () => complete();
    const onError = (error: Error) => finish(() => reject(error));
    const onClose = () => {
      // All of it arrived before the connection closed: the body is whole (as hono's path keeps it).
      if (incoming.complete) complete();
      else finish(() => reject(incoming.errored ?? new Error('Client connection prematurely closed.')));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}
