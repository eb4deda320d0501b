/**
 * Box keys between the server's key and users' public keys, kept for reuse: a user's public key
 * never changes, so the Diffie-Hellman for the login validator is done once per user, not per login.
 */
import { fromHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';

export class BoxKeyCache {
  private readonly keys = new Map<string, Uint8Array>();

  constructor(
    private readonly privateKey: Uint8Array,
    private readonly limit = 10_000,
  ) {}

  keyFor(publicKeyHex: string): Uint8Array {
    let key = this.keys.get(publicKeyHex);
    if (key === undefined) {
      key = sodiumCrypto.boxKey(fromHex(publicKeyHex), this.privateKey);
      // Oldest-first eviction: Map keeps insertion order.
      if (this.keys.size >= this.limit) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(publicKeyHex, key);
    }
    return key;
  }
}
