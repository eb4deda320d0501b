/**
 * The kernel's TCP counters of this network namespace (`/proc/net/snmp` and `/proc/net/netstat`,
 * what `nstat` shows), before and after a cell: a request that waits for a retransmission, a
 * delayed ACK or a full listen queue leaves a count here. They count every process of the
 * namespace (the machine's other work too), so they say whether such an event happened at all.
 */
import { readFileSync } from 'node:fs';

export const TCP_COUNTERS = [
  'Tcp:RetransSegs',
  'TcpExt:TCPSynRetrans',
  'TcpExt:TCPTimeouts',
  'TcpExt:DelayedACKs',
  'TcpExt:DelayedACKLocked',
  'TcpExt:ListenOverflows',
  'TcpExt:ListenDrops',
] as const;
export type TcpCounter = (typeof TCP_COUNTERS)[number];

/** Parses the "Prefix: names" / "Prefix: values" line pairs of /proc/net/snmp and netstat. */
export function parseProcNet(text: string): Map<string, number> {
  const counters = new Map<string, number>();
  const lines = text.split('\n');
  for (let index = 0; index + 1 < lines.length; index++) {
    const names = lines[index]!.split(/\s+/);
    const values = lines[index + 1]!.split(/\s+/);
    if (names[0] !== values[0] || !names[0]?.endsWith(':')) continue;
    const prefix = names[0];
    for (let column = 1; column < names.length; column++) {
      const value = Number(values[column]);
      if (names[column] && Number.isFinite(value)) counters.set(`${prefix}${names[column]}`, value);
    }
    index++;
  }
  return counters;
}

/** The counters now; null where this system has no such file (not Linux). */
export function tcpCounters(): Map<string, number> | null {
  try {
    return new Map([
      ...parseProcNet(readFileSync('/proc/net/snmp', 'utf8')),
      ...parseProcNet(readFileSync('/proc/net/netstat', 'utf8')),
    ]);
  } catch {
    return null;
  }
}

/** How much each of `TCP_COUNTERS` grew between two readings. */
export function tcpCountersSince(
  before: Map<string, number> | null,
  after: Map<string, number> | null,
): Partial<Record<TcpCounter, number>> | null {
  if (!before || !after) return null;
  const grown: Partial<Record<TcpCounter, number>> = {};
  for (const name of TCP_COUNTERS) {
    const from = before.get(name);
    const to = after.get(name);
    if (from !== undefined && to !== undefined) grown[name] = to - from;
  }
  return grown;
}
