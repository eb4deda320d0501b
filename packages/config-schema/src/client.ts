/**
 * Browser entry point (`@ldap-login/config-schema/client`): the web client's `config.json`.
 * Nothing reachable from here may import a Node module.
 */
export { type BackendServer, parseWebConfig, type WebConfig } from './web-config.ts';
