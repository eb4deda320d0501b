/**
 * Runs the server-cost tool briefly, so that it cannot rot: both targets answer without errors and
 * the figures are printed. No directory is needed (the server uses an in-memory one).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./server-cost.ts', import.meta.url));

it('measures the login and GET /user/ on the server with an in-memory directory, without errors', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', SCRIPT, '--concurrency', '2', '--cell-ms', '300', '--users', '4'],
      { timeout: 60_000 },
      (error, out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out)),
    );
  });
  const rows = stdout.split('\n').filter((line) => /^(login|GET \/user\/)\s/.test(line));
  expect(rows, stdout).toHaveLength(2);
  for (const row of rows) {
    const [requestsPerSecond, , , errors, serverCpu, clientCpu] = row
      .replace(/^(login|GET \/user\/)\s+/, '')
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(requestsPerSecond, row).toBeGreaterThan(0);
    expect(errors, row).toBe(0);
    expect(serverCpu, row).toBeGreaterThan(0);
    expect(clientCpu, row).toBeGreaterThan(0);
  }
  expect(stdout).toMatch(/server RSS \d+(\.\d)? MB/);
}, 70_000);
