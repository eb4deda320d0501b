import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ldapsConnections, newConnections } from './samba-cell.ts';

const work = mkdtempSync(join(tmpdir(), 'bench-samba-cell-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
/** A line of /proc/net/tcp: addresses as the kernel prints them (hex, port after the colon). */
const line = (index: number, local: string, remote: string, state: string) =>
  `  ${index}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 20 4 30 10 -1`;

function table(name: string, lines: string[]): string {
  const path = join(work, name);
  writeFileSync(path, `${[HEADER, ...lines].join('\n')}\n`);
  return path;
}

describe('ldapsConnections', () => {
  it('counts each connection to port 636 once, from either side and in any state, and not the listener', () => {
    const before = ldapsConnections([
      table('before', [
        line(0, '0100007F:027C', '00000000:0000', '0A'), // the DC listening
        line(1, '0100007F:A001', '0100007F:027C', '01'), // a pooled connection, client side
        line(2, '0100007F:027C', '0100007F:A001', '01'), // ... and the DC's side
      ]),
    ]);
    expect(before.size).toBe(1);
    const after = ldapsConnections([
      table('after', [
        line(0, '0100007F:027C', '00000000:0000', '0A'),
        line(1, '0100007F:A001', '0100007F:027C', '01'),
        line(2, '0100007F:027C', '0100007F:A001', '01'),
        line(3, '0100007F:A002', '0100007F:027C', '06'), // closed by the client: TIME_WAIT
        line(4, '0100007F:027C', '0100007F:A003', '06'), // closed by the DC: TIME_WAIT on its side
        line(5, '0100007F:A004', '0100007F:0185', '01'), // port 389: not counted
      ]),
      join(work, 'missing'),
    ]);
    expect(newConnections(before, after)).toBe(2);
  });

  it("reads this machine's tables", () => {
    expect(ldapsConnections()).toBeInstanceOf(Set);
  });
});
