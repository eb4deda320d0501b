/**
 * The wire protocol, once: zod schemas of every request and reply of the API, the error codes,
 * Psono's key derivation and hex helpers, and one crypto interface (the browser-safe noble backend
 * here, the libsodium backend in `@ldap-login/protocol/node`). Server, web client and every test
 * client parse and build with these.
 */
export { AUTHENTICATION, accountSchema, userSauceSchema } from './api/account.ts';
export {
  type ActivateTokenReply,
  type ActivateTokenRequest,
  activateTokenReplySchema,
  activateTokenRequestSchema,
} from './api/activate-token.ts';
export {
  AUTHORIZATION_VALIDATOR_HEADER,
  type AuthorizationValidator,
  authorizationValidatorSchema,
  openAuthorizationValidator,
  sealAuthorizationValidator,
  TOKEN_AUTHORIZATION,
  tokenAuthorization,
} from './api/authorization.ts';
export { type Encrypted, encryptedSchema } from './api/encrypted.ts';
export { type HealthcheckReply, healthcheckReplySchema } from './api/healthcheck.ts';
export { hexBytes, hexText } from './api/hex-string.ts';
export {
  formatFingerprint,
  PROTOCOL_VERSION,
  type ServerInfo,
  type SignedInfo,
  serverInfoSchema,
  signedInfoSchema,
} from './api/info.ts';
export {
  type LoginData,
  type LoginInfo,
  type LoginReply,
  type LoginRequest,
  loginAccountSchema,
  loginDataSchema,
  loginInfoSchema,
  loginReplySchema,
  loginRequestSchema,
} from './api/login.ts';
export {
  type PreloginReply,
  type PreloginRequest,
  preloginReplySchema,
  preloginRequestSchema,
} from './api/prelogin.ts';
export {
  HASHING_ALGORITHM,
  ownScryptParametersSchema,
  SCRYPT_PARAMETERS,
  type ScryptParameters,
  scryptParametersSchema,
} from './api/scrypt-parameters.ts';
export {
  type EmptyReply,
  emptyReplySchema,
  type LogoutRequest,
  logoutRequestSchema,
  type SessionSummary,
  type SessionsReply,
  sessionSummarySchema,
  sessionsReplySchema,
} from './api/sessions.ts';
export {
  directoryGroupSchema,
  type UserProfile,
  type UserUpdateRequest,
  userProfileSchema,
  userUpdateRequestSchema,
} from './api/user.ts';
export {
  type CryptoBackend,
  type Ed25519KeyPair,
  KEY_BYTES,
  NONCE_BYTES,
  type X25519KeyPair,
} from './crypto/crypto-backend.ts';
export { DecryptionError } from './crypto/decryption-error.ts';
export { nobleCrypto } from './crypto/noble-crypto.ts';
export { nobleScrypt } from './crypto/noble-scrypt.ts';
export {
  authkey,
  authkeySalt,
  keyFromStretchedPassword,
  passwordKey,
  sha256Hex,
  sha512Hex,
  userSauceSalt,
} from './crypto/psono-key-derivation.ts';
export {
  API_ERROR_CODES,
  API_ERRORS,
  ApiError,
  type ApiErrorCode,
  type ApiErrorStatus,
  type ErrorBody,
  errorBody,
  errorBodySchema,
  isApiErrorCode,
} from './errors.ts';
export { fromHex, fromUtf8, HEX_PATTERN, isHex, lowerHex, toHex, utf8 } from './hex.ts';
export { directoryIndexFor, qualifyUsername, type SplitUsername, splitUsername } from './username.ts';
export * from './vault/index.ts';
