/** Node-only entry: the libsodium (sodium-native) backend of the crypto interface. */
export {
  MAX_CONCURRENT_SCRYPT,
  plaintextText,
  scryptLoad,
  secretboxOpenInPlace,
  sodiumCrypto,
} from './crypto/sodium-crypto.ts';
