/**
 * A server under test in its own Node process, so that its memory is measurable on its own and the
 * load generator does not share its event loop. Output goes to a log file; readiness is a line
 * the process prints.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, createWriteStream, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

export interface ChildOptions {
  /** For messages. */
  label: string;
  /** Arguments to `node` (flags, then the script and its arguments). */
  nodeArgs: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** The line on stderr that says the process listens; its first capture group is returned. */
  ready: RegExp;
  readyTimeoutMs?: number;
}

export interface RunningChild {
  pid: number;
  /** The first capture group of the readiness line (for example the URL). */
  readyMatch: string;
  /** Resident set size in MB, now. */
  rssMb(): number;
  /** CPU time (user + system) the process has used so far, in milliseconds. */
  cpuMs(): number;
  /** SIGTERM (clean exit: a CPU profile gets written), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The child did not print its readiness line in time, or exited first. */
export class ChildStartError extends Error {
  override readonly name = 'ChildStartError';
}

export async function startChild(options: ChildOptions): Promise<RunningChild> {
  // stdout (where a server logs every request) goes straight to the file, so that the load
  // generator does not spend CPU copying the server's logs; stderr passes through for readiness.
  const stdout = openSync(options.logFile, 'a');
  const logStart = fstatSync(stdout).size;
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(process.execPath, options.nodeArgs, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', stdout, 'pipe'],
  });
  closeSync(stdout);
  if (child.pid === undefined) throw new ChildStartError(`${options.label}: could not be started`);
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let readyMatch: string;
  try {
    readyMatch = await waitForLine(child, options, log, logStart);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    log.end();
    throw error;
  }
  return {
    pid,
    readyMatch,
    rssMb: () => Math.round((rssBytes(pid) / 1024 / 1024) * 10) / 10,
    cpuMs: () => cpuMsOf(pid),
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      await new Promise<void>((resolve) => log.end(() => resolve()));
    },
  };
}

function waitForLine(
  child: ChildProcess,
  options: ChildOptions,
  log: NodeJS.WritableStream,
  logStart: number,
): Promise<string> {
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let seen = '';
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(poll);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      if (settled) return;
      // Only the start of the output is kept for matching: enough for a readiness line.
      if (seen.length < 64 * 1024) seen += chunk.toString('utf8');
      const match = options.ready.exec(seen);
      if (match) finish(() => resolve(match[1] ?? match[0]));
    };
    child.stderr?.on('data', onData);
    // stdout goes to the file directly: look for the line there too (a JSON logger writes its
    // readiness line to stdout).
    const poll = setInterval(() => {
      if (settled) return clearInterval(poll);
      const head = readFileHead(options.logFile, logStart, 64 * 1024);
      const match = options.ready.exec(head);
      if (match) finish(() => resolve(match[1] ?? match[0]));
    }, 50);
    child.once('exit', (code, signal) =>
      finish(() =>
        reject(
          new ChildStartError(
            `${options.label} exited (${signal ?? `code ${code}`}) before it was ready; see ${options.logFile}`,
          ),
        ),
      ),
    );
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new ChildStartError(
              `${options.label} was not ready within ${timeoutMs} ms; see ${options.logFile}`,
            ),
          ),
        ),
      timeoutMs,
    );
  });
}

/** Up to `bytes` of the file from `offset` on (what this run of the child wrote). */
function readFileHead(path: string, offset: number, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, offset)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** From /proc where there is one (Linux), else from `ps` (macOS and the BSDs). */
function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // No procfs here: fall through to ps.
  }
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024;
}

function cpuMsOf(pid: number): number {
  try {
    // Fields 14 and 15 of /proc/PID/stat are utime and stime in clock ticks (100 per second on Linux).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    const time = execFileSync('ps', ['-o', 'time=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    const parts = time.split(/[:-]/).map(Number);
    let seconds = 0;
    for (const part of parts) seconds = seconds * 60 + part;
    return seconds * 1000;
  }
}
