/**
 * Loaded into the product server by the benchmark only (`node --import` this file, in the bench's
 * server process; the product itself has no such code): server-side timestamps of the requests
 * the load generator tags, to say where a slow request waited. Off until the benchmark sends
 * SIGUSR2 (no subscriber, so Node does not publish on the channels: nothing is added to the
 * requests of the CPU cells); the next SIGUSR2 turns it off and writes what it recorded, as JSON,
 * to the file named by BENCH_REQUEST_TIMING_FILE.
 *
 * Times are `process.hrtime` (the system's monotonic clock, the same in every process of the
 * machine) in milliseconds: `received` when Node's HTTP parser hands the request over (its headers
 * read), `head` when the reply's head is written (the app has its answer), `finished` when the
 * last of the reply is handed to the kernel.
 */
import dc from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';

const HEADER = 'x-bench-request';
const MAX_RECORDS = 100_000;
const file = process.env.BENCH_REQUEST_TIMING_FILE;
const accepted = dc.channel('net.server.socket');
const start = dc.channel('http.server.request.start');
const finish = dc.channel('http.server.response.finish');
const now = () => Number(process.hrtime.bigint()) / 1e6;
/** @type {Map<object, {id: string, received: number, head: number, finished: number, socketRequest: number}>} */
const open = new Map();
const records = [];
/** Requests each connection accepted while on has carried (its first request is 1; 0: older). */
const perSocket = new WeakMap();
let on = false;

function tagOf(rawHeaders) {
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index].length === HEADER.length && rawHeaders[index].toLowerCase() === HEADER) {
      return rawHeaders[index + 1];
    }
  }
  return undefined;
}

function onStart({ request, response, socket }) {
  const received = now();
  const before = perSocket.get(socket);
  const socketRequest = before === undefined ? 0 : before + 1;
  if (before !== undefined) perSocket.set(socket, socketRequest);
  const id = tagOf(request.rawHeaders);
  if (id === undefined) return;
  const record = { id, received, head: 0, finished: 0, socketRequest };
  const writeHead = response.writeHead;
  response.writeHead = function timedWriteHead(...args) {
    if (record.head === 0) record.head = now();
    return writeHead.apply(this, args);
  };
  open.set(response, record);
}

function onAccepted({ socket }) {
  perSocket.set(socket, 0);
}

function onFinish({ response }) {
  const record = open.get(response);
  if (!record) return;
  open.delete(response);
  record.finished = now();
  if (record.head === 0) record.head = record.finished;
  if (records.length < MAX_RECORDS) records.push(record);
}

process.on('SIGUSR2', () => {
  if (!on) {
    records.length = 0;
    accepted.subscribe(onAccepted);
    start.subscribe(onStart);
    finish.subscribe(onFinish);
    on = true;
    return;
  }
  accepted.unsubscribe(onAccepted);
  start.unsubscribe(onStart);
  finish.unsubscribe(onFinish);
  on = false;
  open.clear();
  if (file) writeFileSync(file, JSON.stringify(records));
  records.length = 0;
});
