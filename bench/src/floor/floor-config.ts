/** What the floor program is told at start (a JSON file, as the peer's configuration). */
export interface FloorConfig {
  /** The directory, reached as the raw target reaches it. */
  ldap: {
    url: string;
    caCert?: string;
    bindDn: string;
    bindPassword: string;
    searchBase: string;
    objectClass: string;
    usernameAttribute: string;
    attributes: string[];
  };
  /** SQLite file for the session rows and the vault's bytes. */
  databaseFile: string;
}
