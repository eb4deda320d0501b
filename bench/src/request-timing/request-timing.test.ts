import { describe, expect, it } from 'vitest';
import { HRTIME_OFFSET_MS } from '../http-client.ts';
import { segmentsOf } from './server-timing.ts';
import { parseProcNet, tcpCountersSince } from './tcp-counters.ts';

describe('segmentsOf', () => {
  it("splits a request's time where undici wrote it and where the server saw it", () => {
    // Client times are performance.now(); the server's are the monotonic clock (offset apart).
    const client = { path: '/x', startMs: 100, endMs: 150, poolQueued: 0, tag: '1' };
    const at = (ms: number) => ms + HRTIME_OFFSET_MS;
    const server = { id: '1', received: at(110), head: at(130), finished: at(131), socketRequest: 1 };
    const segments = segmentsOf(client, server, 104);
    expect(segments.in_load_generator_ms).toBeCloseTo(4, 6);
    expect(segments.to_server_ms).toBeCloseTo(6, 6);
    expect(segments.in_server_ms).toBeCloseTo(20, 6);
    expect(segments.to_client_ms).toBeCloseTo(20, 6);
    expect(segments.reply_done_ms).toBeCloseTo(1, 6);
    expect(segments.new_connection).toBe(1);
    // Without undici's send time, the way to the server starts at the hand-over.
    expect(segmentsOf(client, { ...server, socketRequest: 2 }).to_server_ms).toBeCloseTo(10, 6);
    expect(segmentsOf(client, { ...server, socketRequest: 0 }).new_connection).toBe(0);
  });
});

describe('tcp counters', () => {
  it('reads the name and value line pairs of /proc/net/netstat and the growth between two readings', () => {
    const text = [
      'TcpExt: SyncookiesSent DelayedACKs ListenOverflows',
      'TcpExt: 0 10 2',
      'IpExt: InNoRoutes',
      'IpExt: 7',
      '',
    ].join('\n');
    const before = parseProcNet(text);
    expect(before.get('TcpExt:DelayedACKs')).toBe(10);
    expect(before.get('IpExt:InNoRoutes')).toBe(7);
    const after = parseProcNet(text.replace('TcpExt: 0 10 2', 'TcpExt: 0 15 2'));
    expect(tcpCountersSince(before, after)).toEqual({ 'TcpExt:DelayedACKs': 5, 'TcpExt:ListenOverflows': 0 });
    expect(tcpCountersSince(null, after)).toBeNull();
  });
});
