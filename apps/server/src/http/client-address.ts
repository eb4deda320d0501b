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
