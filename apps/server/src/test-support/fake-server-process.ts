/**
 * A server process over an in-memory directory, for tests that must kill a real process (crash
 * safety). Usage: `node --import tsx fake-server-process.ts <sqlite file>`; prints `{"url": ...}`.
 */
import { toHex } from '@ldap-login/protocol';
import { sodiumCrypto } from '@ldap-login/protocol/node';
import { createLogger } from '../logger.ts';
import { startServer } from '../server.ts';
import { FakeDirectory } from './fake-directory.ts';
import { testSettings } from './test-app.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: fake-server-process.ts <sqlite file>');
const keys = sodiumCrypto.generateX25519KeyPair();
const directory = new FakeDirectory();
for (let index = 0; index < 10; index++) {
  directory.add({
    login: `user${index}`,
    domain: 'example.com',
    password: `pw-${index}`,
    guid: `guid-${index}`,
  });
}
const server = await startServer({
  settings: testSettings({
    PRIVATE_KEY: toHex(keys.privateKey),
    PUBLIC_KEY: toHex(keys.publicKey),
    LOG_LEVEL: 'error',
  }),
  database: { kind: 'sqlite', file },
  port: 0,
  directory,
  logger: createLogger('error'),
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
