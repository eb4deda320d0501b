/** The part of passport-ldapauth's API the reference peer uses (the package ships no types). */
declare module 'passport-ldapauth' {
  import type { Strategy as PassportStrategy } from 'passport';

  export interface LdapServerOptions {
    url: string;
    bindDN: string;
    bindCredentials: string;
    searchBase: string;
    /** `{{username}}` is replaced by the (escaped) username. */
    searchFilter: string;
    searchAttributes?: string[];
    tlsOptions?: { ca?: string[] };
  }

  export interface LdapStrategyOptions {
    server: LdapServerOptions;
    usernameField?: string;
    passwordField?: string;
  }

  export class Strategy extends PassportStrategy {
    constructor(options: LdapStrategyOptions);
  }
  export default Strategy;
}
