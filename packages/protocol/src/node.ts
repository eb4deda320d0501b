/** Node-only entry: the libsodium (sodium-native) backend of the crypto interface. */
export {
  MAX_CONCURRENT_SCRYPT,
  scryptLoad,
  secretboxOpenBytes,
  sodiumCrypto,
} from './crypto/sodium-crypto.ts';
