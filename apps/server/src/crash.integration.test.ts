/**
 * No acknowledged account or session is lost when the server process is killed (kill -9).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { openDatabase } from './db/database.ts';
import { hashToken } from './sessions/session-store.ts';
import { ProtocolClient } from './test-support/protocol-client.ts';

const here = dirname(fileURLToPath(import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

it('keeps every acknowledged account and session across kill -9', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldap-login-crash-'));
  const file = join(dir, 'db.sqlite3');
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, join(here, 'test-support', 'fake-server-process.ts'), file],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error('server process did not start')), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const line = buffered.split('\n')[0];
        if (buffered.includes('\n') && line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      });
      child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
    });
    const client = ProtocolClient.forUrl(`${url}/server`);
    const tokens: string[] = [];
    for (let index = 0; index < 10; index++) {
      tokens.push((await client.login(`user${index}@example.com`, `pw-${index}`)).token);
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const db = openDatabase({ kind: 'sqlite', file });
    try {
      expect(await db.selectFrom('users').select('username').execute()).toHaveLength(10);
      const sessions = await db.selectFrom('sessions').select(['token_hash', 'active']).execute();
      for (const token of tokens) {
        expect(sessions.find((session) => session.token_hash === hashToken(token))).toEqual({
          token_hash: hashToken(token),
          active: 1,
        });
      }
    } finally {
      await db.destroy();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
