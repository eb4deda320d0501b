/**
 * Keys the server derives from `SECRET_KEY`, one per purpose (HMAC-SHA256 of the purpose under
 * SECRET_KEY), so that no two uses share a key and SECRET_KEY itself never encrypts anything.
 */
import { createHmac } from 'node:crypto';

export type SecretKeyPurpose = 'server-secrets' | 'password-mac' | 'authkey-mac' | 'callback-pass';

export class SecretKeyring {
  private readonly keys = new Map<SecretKeyPurpose, Buffer>();

  constructor(private readonly secretKey: string) {}

  keyFor(purpose: SecretKeyPurpose): Uint8Array {
    let key = this.keys.get(purpose);
    if (!key) {
      key = createHmac('sha256', this.secretKey).update(`ldap-login:${purpose}`, 'utf8').digest();
      this.keys.set(purpose, key);
    }
    return key;
  }

  /** Hex HMAC of `parts` under the purpose's key (parts joined by a NUL, which none contains). */
  mac(purpose: 'password-mac' | 'authkey-mac', ...parts: string[]): string {
    return createHmac('sha256', this.keyFor(purpose)).update(parts.join('\u0000'), 'utf8').digest('hex');
  }
}
