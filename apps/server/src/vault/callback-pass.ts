/**
 * Psono keeps a secret's `callback_pass` encrypted with its database secret; this server uses a key
 * derived from SECRET_KEY. Without SECRET_KEY the value is kept as given (marked so), and a value
 * that no longer opens (SECRET_KEY changed) reads as empty, as in Psono.
 */
import { DecryptionError, decryptWithKey, encryptWithKey } from '../crypto/nacl.ts';
import type { SecretKeyring } from '../crypto/secret-key.ts';

const SEALED = 's:';
const PLAIN = 'p:';

export class CallbackPassCipher {
  constructor(private readonly keyring: SecretKeyring | undefined) {}

  seal(value: string): string {
    if (value === '') return '';
    if (!this.keyring) return PLAIN + value;
    const sealed = encryptWithKey(value, this.keyring.keyFor('callback-pass'));
    return `${SEALED}${sealed.nonce}:${sealed.text}`;
  }

  open(stored: string): string {
    if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
    if (!stored.startsWith(SEALED) || !this.keyring) return '';
    const [nonce = '', text = ''] = stored.slice(SEALED.length).split(':');
    try {
      return decryptWithKey({ nonce, text }, this.keyring.keyFor('callback-pass'));
    } catch (error) {
      if (error instanceof DecryptionError) return '';
      throw error;
    }
  }
}
