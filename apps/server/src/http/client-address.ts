/**
 * The client's address for throttling and audit. `X-Forwarded-For` is believed only when the
 * direct peer is a configured trusted proxy; otherwise anyone could pick their address, and one
 * proxy's address would lock everyone out.
 */
import { BlockList, isIP } from 'node:net';

export function normaliseAddress(address: string): string {
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return (mapped?.[1] ?? trimmed).toLowerCase();
}

/** The 8 groups of an IPv6 address already checked by `isIP` (zone and embedded IPv4 allowed). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!;
  const embedded = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (embedded) {
    const [a, b, c, d] = embedded.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, embedded.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group, 16));
}

/** RFC 5952 text of 8 groups: lower case, the longest run of two or more zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * The address the per-address login throttle counts. One IPv4 address is one client; an IPv6
 * client usually holds a whole network (a /64 per household or host), so IPv6 addresses are
 * counted per network of `ipv6Prefix` bits, written as `network/prefix`. IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`, in either notation) counts as the IPv4 address.
 *
 * @example
 * throttlingAddress('2001:db8:1:2:aaaa::5', 64); // => '2001:db8:1:2::/64'
 * throttlingAddress('::ffff:c000:201', 64);      // => '192.0.2.1'
 */
export function throttlingAddress(address: string, ipv6Prefix: number): string {
  const normal = normaliseAddress(address);
  if (isIP(normal) !== 6) return normal;
  const groups = ipv6Groups(normal);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  const network = groups.map((group, index) => {
    const kept = Math.min(16, Math.max(0, ipv6Prefix - index * 16));
    return kept === 0 ? 0 : group & (0xffff << (16 - kept)) & 0xffff;
  });
  return `${formatIpv6(network)}/${ipv6Prefix}`;
}

export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly empty: boolean;

  /**
   * Entries are addresses (`10.0.0.5`) or CIDR ranges (`10.0.0.0/8`, `fd00::/8`); `key` names the
   * setting they come from in errors (the class also matches METRICS_ALLOWED_ADDRESSES).
   */
  constructor(entries: string[], key = 'TRUSTED_PROXIES') {
    for (const entry of entries) {
      const [address = '', prefix] = entry.trim().split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(address) === 0) throw new TypeError(`${key}: "${entry}" is not an address or CIDR range`);
      if (prefix === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(prefix), family);
    }
    this.empty = entries.length === 0;
  }

  has(address: string): boolean {
    if (this.empty) return false;
    const normal = normaliseAddress(address);
    const family = isIP(normal);
    if (family === 0) return false;
    return this.list.check(normal, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * Whether a trusted proxy says the client reached it over https: the first value of
   * X-Forwarded-Proto, which the client-facing proxy wrote. From anyone else the header is ignored.
   */
  forwardedHttps(peer: string | undefined, forwardedProto: string | undefined): boolean {
    if (!forwardedProto || !peer || !this.has(peer)) return false;
    return forwardedProto.split(',')[0]!.trim().toLowerCase() === 'https';
  }

  /** The right-most forwarded address that is not itself a trusted proxy. */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
    const direct = peer ? normaliseAddress(peer) : 'unknown';
    if (!forwardedFor || !this.has(direct)) return direct;
    const hops = forwardedFor
      .split(',')
      .map(normaliseAddress)
      .filter((hop) => hop !== '');
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = hops[index]!;
      if (isIP(hop) === 0) return direct;
      if (!this.has(hop)) return hop;
    }
    return hops[0] ?? direct;
  }
}
