/**
 * Browser entry point (`@ldap-login/config-schema/client`): the web client's `config.json`.
 * Nothing reachable from here may import a Node module.
 */
export { suggestKey } from './did-you-mean.ts';
export {
  type BackendServer,
  backendServerSchema,
  type ParseWebConfigResult,
  PSONO_UNUSED_WEB_CONFIG_KEYS,
  parseWebConfig,
  WEB_AUTHENTICATION_METHODS,
  WEB_CONFIG_DEFAULTS,
  type WebConfig,
  type WebConfigInput,
  webConfigSchema,
} from './web-config.ts';
