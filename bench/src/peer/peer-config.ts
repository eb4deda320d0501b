/** What the reference peer is told about the directory: one passport strategy per transport. */
import type { LdapServerOptions } from 'passport-ldapauth';
import type { Transport } from '../targets/target.ts';

export interface PeerConfig {
  strategies: Record<Transport, LdapServerOptions>;
}
