import { describe, expect, it } from 'vitest';
import { normaliseAddress, TrustedProxies, throttlingAddress } from './client-address.ts';

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

describe('throttlingAddress', () => {
  it.each([
    ['IPv4: the address itself', '192.0.2.10', 64, '192.0.2.10'],
    ['IPv4-mapped IPv6, dotted', '::ffff:192.0.2.10', 64, '192.0.2.10'],
    ['IPv4-mapped IPv6, hex', '::FFFF:c000:20a', 64, '192.0.2.10'],
    ['IPv6: its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64, '2001:db8:1:2::/64'],
    ['IPv6 written short', '2001:db8::1', 64, '2001:db8::/64'],
    ['IPv6 with a zone', 'fe80::1:2%eth0', 64, 'fe80::/64'],
    ['IPv6 /48', '2001:db8:1:2::5', 48, '2001:db8:1::/48'],
    ['IPv6 /56 cuts inside a group', '2001:db8:1:2ff::5', 56, '2001:db8:1:200::/56'],
    ['IPv6 /128: one address', '2001:db8::5', 128, '2001:db8::5/128'],
    ['IPv6 loopback', '::1', 64, '::/64'],
    ['no peer (in-process request)', 'unknown', 64, 'unknown'],
  ])('%s', (_case, address, prefix, expected) => {
    expect(throttlingAddress(address, prefix)).toBe(expected);
  });

  it('gives every address of one /64 the same key, and a neighbouring /64 another', () => {
    const keys = new Set(
      Array.from({ length: 24 }, (_, index) =>
        throttlingAddress(`2001:db8:0:7:${index.toString(16)}::1`, 64),
      ),
    );
    expect([...keys]).toEqual(['2001:db8:0:7::/64']);
    expect(throttlingAddress('2001:db8:0:8::1', 64)).not.toBe('2001:db8:0:7::/64');
  });
});

describe('TrustedProxies.forwardedHttps', () => {
  const proxies = new TrustedProxies(['10.0.0.5']);

  it.each([
    ['trusted proxy says https', '10.0.0.5', 'https', true],
    ['first value counts (the client-facing proxy)', '10.0.0.5', 'HTTPS, http', true],
    ['trusted proxy says http', '10.0.0.5', 'http', false],
    ['untrusted peer says https', '198.51.100.1', 'https', false],
    ['no header', '10.0.0.5', undefined, false],
    ['no peer', undefined, 'https', false],
  ])('%s', (_case, peer, header, expected) => {
    expect(proxies.forwardedHttps(peer, header)).toBe(expected);
  });
});
