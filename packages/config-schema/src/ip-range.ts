import { isIP } from 'node:net';

/** One address or CIDR range of a setting such as TRUSTED_PROXIES. */
interface IpRange {
  address: string;
  family: 'ipv4' | 'ipv6';
  /** Prefix length; a bare address is a full-length range (/32 or /128). */
  prefix: number;
  /** The entry was written without a prefix. */
  single: boolean;
}

/**
 * Reads `10.0.0.5`, `10.0.0.0/8`, `fd00::/8` or `::1`; undefined for anything else.
 *
 * @example
 * parseIpRange('10.0.0.0/8'); // => { address: '10.0.0.0', family: 'ipv4', prefix: 8, single: false }
 */
export function parseIpRange(entry: string): IpRange | undefined {
  const [address = '', prefixText, extra] = entry.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 6 ? 'ipv6' : 'ipv4';
  const bits = version === 6 ? 128 : 32;
  if (prefixText === undefined) return { address, family, prefix: bits, single: true };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  return { address, family, prefix, single: false };
}

/**
 * Ranges wider than this hold hosts that are not proxies: IPv4 beyond a /24 (256 addresses),
 * IPv6 beyond one /64 network.
 */
export const WIDEST_PROXY_PREFIX = { ipv4: 24, ipv6: 64 } as const;

/** Whether trusting `range` lets hosts other than the proxies choose the client address. */
export function isWideProxyRange(range: IpRange): boolean {
  return range.prefix < WIDEST_PROXY_PREFIX[range.family];
}
