/**
 * Box keys between the server's key and users' public keys, kept for reuse: a user's public key
 * never changes, so the Diffie-Hellman for the login validator is done once per user, not per login.
 */
import { fromHex } from './hex.ts';
import { boxSharedKey, type X25519PrivateKey } from './nacl.ts';

export class BoxKeyCache {
  private readonly keys = new Map<string, Uint8Array>();

  constructor(
    private readonly serverKey: X25519PrivateKey,
    private readonly limit = 10_000,
  ) {}

  keyFor(publicKeyHex: string): Uint8Array {
    let key = this.keys.get(publicKeyHex);
    if (key === undefined) {
      key = boxSharedKey(fromHex(publicKeyHex), this.serverKey);
      // Oldest-first eviction: Map keeps insertion order.
      if (this.keys.size >= this.limit) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(publicKeyHex, key);
    }
    return key;
  }
}
