import { describe, expect, it } from 'vitest';
import { normaliseAddress, TrustedProxies } from './client-address.ts';

describe('TrustedProxies.clientAddress', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

  it.each([
    ['no proxies configured: the peer', new TrustedProxies([]), '10.1.1.1', '203.0.113.5', '10.1.1.1'],
    ['untrusted peer: X-Forwarded-For ignored', proxies, '198.51.100.1', '203.0.113.5', '198.51.100.1'],
    ['trusted peer: the forwarded client', proxies, '10.1.1.1', '203.0.113.5', '203.0.113.5'],
    [
      'chain of trusted proxies: right-most untrusted hop',
      proxies,
      '10.1.1.1',
      '203.0.113.9, 203.0.113.5, 10.2.2.2',
      '203.0.113.5',
    ],
    ['IPv4-mapped peer is still trusted', proxies, '::ffff:192.0.2.7', '203.0.113.5', '203.0.113.5'],
    ['IPv6 proxy range', proxies, 'fd00::1', '2001:db8::5', '2001:db8::5'],
    ['garbage in the header: the peer', proxies, '10.1.1.1', 'not-an-address', '10.1.1.1'],
    ['every hop trusted: the left-most', proxies, '10.1.1.1', '10.3.3.3, 10.2.2.2', '10.3.3.3'],
    ['no peer (in-process request)', proxies, undefined, '203.0.113.5', 'unknown'],
  ])('%s', (_case, list, peer, forwarded, expected) => {
    expect(list.clientAddress(peer, forwarded)).toBe(expected);
  });

  it('refuses entries that are neither addresses nor ranges', () => {
    expect(() => new TrustedProxies(['proxy.internal'])).toThrow(/TRUSTED_PROXIES/);
  });

  it('normalises IPv4-mapped IPv6 and case', () => {
    expect(normaliseAddress(' ::FFFF:10.0.0.1 ')).toBe('10.0.0.1');
    expect(normaliseAddress('2001:DB8::1')).toBe('2001:db8::1');
  });
});
