/**
 * The reference peer: the LDAP login a Node developer would write with the usual libraries, an
 * Express app with passport-ldapauth, configured the way its README shows. It runs in its own
 * process. passport-ldapauth opens two fresh directory connections per login (service search and
 * user bind) and closes them afterwards; that is the library's design, not a choice made here.
 *
 * Usage: node --import tsx peer-server.ts CONFIG.json   (prints "peer listening on URL" to stderr)
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import passport from 'passport';
import LdapStrategy from 'passport-ldapauth';
import { TRANSPORTS } from '../targets/target.ts';
import type { PeerConfig } from './peer-config.ts';

const configFile = process.argv[2];
if (!configFile) {
  console.error('usage: peer-server.ts CONFIG.json');
  process.exit(64);
}
const config = JSON.parse(readFileSync(configFile, 'utf8')) as PeerConfig;

const app = express();
app.use(express.json());
app.use(passport.initialize());
for (const transport of TRANSPORTS) {
  passport.use(transport, new LdapStrategy({ server: config.strategies[transport] }));
  app.post(`/login/${transport}`, passport.authenticate(transport, { session: false }), (req, res) => {
    const user = req.user as { dn?: string } | undefined;
    res.json({ dn: user?.dn ?? null });
  });
}

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.error(`peer listening on http://127.0.0.1:${port}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
