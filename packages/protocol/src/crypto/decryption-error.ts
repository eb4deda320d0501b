/**
 * The ciphertext or a key did not fit: wrong key, tampered text, malformed hex, a refused public
 * key or a plaintext that is not UTF-8. Every backend throws this one class for all of them.
 */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}
