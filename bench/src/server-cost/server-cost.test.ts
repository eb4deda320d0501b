/**
 * Runs the server-cost tool briefly, so that it cannot rot: every target answers without errors and
 * the figures are printed. No directory is needed (the server uses an in-memory one).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./server-cost.ts', import.meta.url));

it('measures the login, GET /user/ and the vault on the server with an in-memory directory, without errors', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        SCRIPT,
        '--concurrency',
        '2',
        '--cell-ms',
        '300',
        '--users',
        '4',
        '--vault-entries',
        '20',
      ],
      { timeout: 60_000 },
      (error, out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out)),
    );
  });
  const target = /^(login|GET \/user\/|vault read|vault write)\s+/;
  const rows = stdout.split('\n').filter((line) => target.test(line));
  expect(rows, stdout).toHaveLength(4);
  for (const row of rows) {
    const [requestsPerSecond, , , errors, serverCpu, clientCpu] = row
      .replace(target, '')
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(requestsPerSecond, row).toBeGreaterThan(0);
    expect(errors, row).toBe(0);
    // A vault cell of 300 ms at concurrency 1 may use less than one 10 ms tick of the server's CPU.
    if (row.startsWith('vault')) expect(serverCpu, row).toBeGreaterThanOrEqual(0);
    else expect(serverCpu, row).toBeGreaterThan(0);
    expect(clientCpu, row).toBeGreaterThan(0);
  }
  expect(stdout).toMatch(/server RSS \d+(\.\d)? MB/);
}, 70_000);
