import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/**
 * Runs the `manage` CLI as its own process, from the TypeScript source (through tsx), the way an
 * administrator runs it: arguments, environment, working directory, standard input.
 */

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface ManageRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The parsed standard output, for `--json` runs. */
  json<T = unknown>(): T;
}

export interface ManageOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Kills the process after this many milliseconds (default 60 s). */
  timeoutMs?: number;
}

/** Where and with which environment `manage` runs from source for a test. */
function manageProcess(options: ManageOptions): { cwd: string; env: Record<string, string> } {
  // Settings (and their PSONO_ overrides) of the developer's shell must not leak into the run.
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PSONO_') && key !== 'LDAP_LOGIN_SETTINGS') env[key] = value;
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return { cwd: options.cwd ?? process.cwd(), env };
}

/** Everything the process writes, as it arrives. */
function captureOutput(child: { stdout: Readable; stderr: Readable }): { stdout: string; stderr: string } {
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  return output;
}

export function runManage(args: string[], options: ManageOptions = {}): Promise<ManageRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      ...manageProcess(options),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output = captureOutput(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const { stdout, stderr } = output;
      resolve({
        code,
        stdout,
        stderr,
        json: <T>() => {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\n${stderr}`);
          }
        },
      });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

export interface RunningManage {
  /** Resolves with the first match of `pattern` in standard error (or rejects when the process ends first). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The same for standard output, where the server's JSON log goes. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal without waiting for the process to end. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has ended. */
  exited(): Promise<number | null>;
  /** Sends a signal and resolves with the exit code once the process has ended. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  output(): { stdout: string; stderr: string };
}

/** Starts a long-running command (`serve`) as a process. */
export function startManage(args: string[], options: ManageOptions = {}): RunningManage {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    ...manageProcess(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captureOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  // Never outlive the test run.
  const guard = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  exited.finally(() => clearTimeout(guard));
  const waitFor = (
    stream: 'stdout' | 'stderr',
    pattern: RegExp,
    timeoutMs = 60_000,
  ): Promise<RegExpMatchArray> => {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = output[stream].match(pattern);
        if (match) {
          cleanup();
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no ${pattern} in ${stream} within ${timeoutMs} ms:\n${output.stdout}\n${output.stderr}`),
        );
      }, timeoutMs);
      const onExit = () => {
        cleanup();
        reject(
          new Error(`the process ended before printing ${pattern}:\n${output.stdout}\n${output.stderr}`),
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        child[stream].off('data', check);
        child.off('close', onExit);
      };
      child[stream].on('data', check);
      child.once('close', onExit);
      check();
    });
  };
  return {
    waitForStderr: (pattern, timeoutMs) => waitFor('stderr', pattern, timeoutMs),
    waitForStdout: (pattern, timeoutMs) => waitFor('stdout', pattern, timeoutMs),
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited: () => exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    output: () => ({ ...output }),
  };
}
