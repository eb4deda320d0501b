/**
 * The wire protocol, once: zod schemas of every request and reply of the API, the error codes,
 * Psono's key derivation and hex helpers, and one crypto interface (browser-safe backend here,
 * the libsodium backend in `@ldap-login/protocol/node`). Server, web client and every test
 * client parse and build with these.
 */
export * from './vault/index.ts';
