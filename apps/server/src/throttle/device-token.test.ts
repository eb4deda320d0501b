import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceTokens, deviceCookieName } from './device-token.ts';

const SECRET = 'a'.repeat(64);
const DAY = 86_400;

describe('DeviceTokens', () => {
  let clock = 1_800_000_000_000;
  const tokens = new DeviceTokens(SECRET, 30 * DAY, () => clock);

  it('verifies a token it issued, for the username it was issued to', () => {
    const { token, claim } = tokens.issue('alice@example.com');
    expect(tokens.verify(token, 'alice@example.com')).toEqual(claim);
    expect(claim.expiresAt).toBe(clock + 30 * DAY * 1000);
  });

  it("refuses another username's token", () => {
    const { token } = tokens.issue('bob@example.com');
    expect(tokens.verify(token, 'alice@example.com')).toBeUndefined();
  });

  it('refuses a token once expired', () => {
    const { token } = tokens.issue('alice@example.com');
    clock += 30 * DAY * 1000 - 1;
    expect(tokens.verify(token, 'alice@example.com')).toBeDefined();
    clock += 1;
    expect(tokens.verify(token, 'alice@example.com')).toBeUndefined();
  });

  it('refuses a token made under another secret', () => {
    const other = new DeviceTokens('b'.repeat(64), 30 * DAY, () => clock);
    const { token } = other.issue('alice@example.com');
    expect(tokens.verify(token, 'alice@example.com')).toBeUndefined();
  });

  it('refuses altered and malformed tokens', () => {
    const { token } = tokens.issue('alice@example.com');
    const [version, id, expiry, mac] = token.split('.') as [string, string, string, string];
    const flip = (text: string) => (text[0] === 'A' ? `B${text.slice(1)}` : `A${text.slice(1)}`);
    const forged = [
      `${version}.${flip(id)}.${expiry}.${mac}`,
      `${version}.${id}.${Number(expiry) + DAY}.${mac}`,
      `${version}.${id}.${expiry}.${flip(mac)}`,
      `v2.${id}.${expiry}.${mac}`,
      `${token}.extra`,
      `${version}.${id}.${expiry}`,
      '',
      'x'.repeat(200),
      `${version}.${id}.-1.${mac}`,
    ];
    for (const candidate of forged)
      expect(tokens.verify(candidate, 'alice@example.com'), candidate).toBeUndefined();
    expect(tokens.verify(undefined, 'alice@example.com')).toBeUndefined();
  });

  it('keeps the device id when renewed, and gives new devices new ids', () => {
    const first = tokens.issue('alice@example.com');
    const renewed = tokens.issue('alice@example.com', first.claim.deviceId);
    expect(renewed.claim.deviceId).toBe(first.claim.deviceId);
    expect(tokens.issue('alice@example.com').claim.deviceId).not.toBe(first.claim.deviceId);
  });
});

describe('deviceCookieName', () => {
  it('names one cookie per username, without the username in it', () => {
    expect(deviceCookieName('alice@example.com')).toMatch(/^device_[0-9a-f]{16}$/);
    expect(deviceCookieName('alice@example.com')).not.toBe(deviceCookieName('bob@example.com'));
  });

  it('keeps the names browsers already hold (HMAC-SHA256 of the username under "device-cookie")', () => {
    for (const username of ['alice@example.com', 'bob@example.com', 'alice@example.com']) {
      const digest = createHmac('sha256', 'device-cookie').update(username).digest('hex');
      expect(deviceCookieName(username)).toBe(`device_${digest.slice(0, 16)}`);
    }
  });
});
