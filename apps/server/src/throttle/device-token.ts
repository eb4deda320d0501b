/**
 * Device tokens (OWASP's "device cookies"): after a successful login the browser receives a token
 * that says "this device logged in as this username before". A later attempt that presents a valid
 * token for the username it tries is counted against that device, not against the username's
 * shared lockout, so a stranger who locks the username out does not lock out its owner.
 *
 * Format: `v1.<device id>.<expiry, unix seconds>.<mac>`, the MAC being HMAC-SHA256 over the
 * version, the username, the device id and the expiry, under a key derived (HKDF) from the
 * server's secret. Nothing is stored: every replica that shares the secret verifies every token,
 * and a forged, altered, expired or other user's token simply is not valid (the attempt is then
 * an unknown device's). The device id (128 random bits) names the device's own throttle counter.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const MAC_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Upper bound of a token's length: longer cookie values are not parsed at all. */
const MAX_TOKEN_LENGTH = 128;

export interface DeviceClaim {
  deviceId: string;
  /** Unix milliseconds after which the token is no longer valid. */
  expiresAt: number;
}

export class DeviceTokens {
  private readonly key: Buffer;

  /**
   * @param secret the server's SECRET_KEY (or, without one, its private key): the MAC key is
   *   derived from it for this purpose only.
   * @param lifetimeSeconds how long an issued token stays valid.
   */
  constructor(
    secret: string,
    readonly lifetimeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'ldap-login', 'device-token v1', 32));
  }

  /** A token for `username`: a fresh device, or `deviceId` again (the device keeps its counter). */
  issue(username: string, deviceId?: string): { token: string; claim: DeviceClaim } {
    const id = deviceId ?? randomBytes(16).toString('base64url');
    const expirySeconds = Math.floor(this.now() / 1000) + this.lifetimeSeconds;
    const token = `${VERSION}.${id}.${expirySeconds}.${this.mac(username, id, expirySeconds)}`;
    return { token, claim: { deviceId: id, expiresAt: expirySeconds * 1000 } };
  }

  /** The device a token names, when it is well formed, unexpired and was issued for `username`. */
  verify(token: string | undefined, username: string): DeviceClaim | undefined {
    if (token === undefined || token.length > MAX_TOKEN_LENGTH) return undefined;
    const [version, id, expiry, mac, ...rest] = token.split('.');
    if (version !== VERSION || rest.length > 0 || !id || !expiry || !mac) return undefined;
    if (!ID_PATTERN.test(id) || !MAC_PATTERN.test(mac) || !/^[0-9]{1,12}$/.test(expiry)) return undefined;
    const expected = Buffer.from(this.mac(username, id, Number(expiry)));
    if (!timingSafeEqual(expected, Buffer.from(mac))) return undefined;
    const expiresAt = Number(expiry) * 1000;
    if (expiresAt <= this.now()) return undefined;
    return { deviceId: id, expiresAt };
  }

  private mac(username: string, deviceId: string, expirySeconds: number): string {
    // JSON keeps the fields apart whatever characters the username holds.
    const message = JSON.stringify([VERSION, username, deviceId, expirySeconds]);
    return createHmac('sha256', this.key).update(message).digest('base64url');
  }
}

/**
 * The cookie that carries a username's device token. One cookie per username (named after a hash
 * of it), so a browser shared by two users keeps both devices' standing.
 */
export function deviceCookieName(username: string): string {
  const digest = createHmac('sha256', 'device-cookie').update(username).digest('hex');
  return `device_${digest.slice(0, 16)}`;
}
