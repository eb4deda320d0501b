import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

describe('manage with a reader that stops early (| head -2)', () => {
  it('finishes with its own exit code and no EPIPE crash', async () => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader is gone before the command writes anything.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(EXIT.OK);
  }, 40_000);
});
