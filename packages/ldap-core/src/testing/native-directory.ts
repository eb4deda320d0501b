import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DirectoryBackend, type DirectoryLaunch, launchEnvironment, READY_LINE } from './backend.ts';
import { TestDirectoryError } from './errors.ts';
import { freeLoopbackPort } from './free-port.ts';
import { OPENLDAP_IMAGE_DIR } from './paths.ts';

const START_TIMEOUT_MS = 60_000;
const PORT_ATTEMPTS = 3;

/** The programs the start script runs; Debian: `apt-get install slapd ldap-utils openssl`. */
const NEEDED_PROGRAMS = ['slapd', 'slappasswd', 'ldapadd', 'ldapsearch', 'openssl', 'awk'];

/** Names the programs the native path needs that are not installed (empty: it can run). */
export function missingNativePrograms(): string[] {
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin`;
  return NEEDED_PROGRAMS.filter((program) => {
    try {
      execFileSync('sh', ['-c', `command -v ${program}`], { env: { PATH: path }, stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

/** Slapd processes started here, killed if this process exits without stopping them. */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** Starts Debian's slapd as a child process through the image's own start script. */
export async function startNativeDirectory(launch: DirectoryLaunch): Promise<DirectoryBackend> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(launch);
    } catch (error) {
      const portTaken =
        error instanceof TestDirectoryError && /Address already in use|errno=98/.test(error.message);
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function startOnce(launch: DirectoryLaunch): Promise<DirectoryBackend> {
  const stateDir = mkdtempSync(join(tmpdir(), `ldap-directory-${launch.dataset}-`));
  const [ldapPort, ldapsPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const env: Record<string, string> = {
    PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin`,
    ...launchEnvironment(launch),
    STATE_DIR: stateDir,
    LISTEN_HOST: '127.0.0.1',
    LDAP_PORT: String(ldapPort),
    LDAPS_PORT: String(ldapsPort),
    // stdin stays open while this process lives; if it dies without stop(), slapd goes with it.
    STOP_WITH_STDIN: '1',
  };
  if (launch.extraLdif !== undefined) {
    const extraDir = join(stateDir, 'extra-ldif');
    mkdirSync(extraDir);
    writeFileSync(join(extraDir, 'extra.ldif'), launch.extraLdif);
    env.EXTRA_LDIF_DIR = extraDir;
  }
  const script = spawn('bash', [join(OPENLDAP_IMAGE_DIR, 'start-directory.sh')], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let slapdPid: number | undefined;
  try {
    slapdPid = await waitUntilReady(script);
  } catch (error) {
    script.stdin?.end();
    script.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  running.add(slapdPid);
  const pid = slapdPid;
  const caCertFile = join(stateDir, 'tls', 'ca.pem');
  let stopped = false;
  return {
    mode: 'native',
    ldapPort,
    ldapsPort,
    caCert: readFileSync(caCertFile, 'utf8'),
    caCertFile,
    readLog: async () => readFileSync(join(stateDir, 'slapd.log'), 'utf8'),
    pause: async () => {
      process.kill(pid, 'SIGSTOP');
      await untilStopped(pid, true);
    },
    resume: async () => {
      process.kill(pid, 'SIGCONT');
      await untilStopped(pid, false);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const exited = new Promise<void>((resolve) => {
        if (script.exitCode !== null || script.signalCode !== null) resolve();
        else script.once('exit', () => resolve());
      });
      // Ending stdin makes the script stop slapd (see STOP_WITH_STDIN); signals are the fallback.
      script.stdin?.end();
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
      running.delete(pid);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * A signal takes effect when each thread next runs; wait until every thread of `pid` shows the wanted
 * state in /proc, so that a test which pauses the directory really talks to a frozen server.
 */
async function untilStopped(pid: number, stopped: boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    const threads = readdirSync(`/proc/${pid}/task`);
    const states = threads.map((thread) => {
      const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    });
    if (states.every((state) => (state === 'T') === stopped)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new TestDirectoryError(
    'START_FAILED',
    `slapd (pid ${pid}) did not ${stopped ? 'stop' : 'continue'} within 2 s`,
  );
}

/** Resolves with slapd's pid once the script prints the ready line; rejects with its output otherwise. */
function waitUntilReady(script: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(
        new TestDirectoryError(
          'START_FAILED',
          `native slapd did not start: ${reason}\n${stderr.trim()}`.trim(),
        ),
      );
    };
    const timer = setTimeout(
      () => fail(`no "${READY_LINE}" within ${START_TIMEOUT_MS / 1000} s`),
      START_TIMEOUT_MS,
    );
    script.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    script.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!stdout.includes(`${READY_LINE}\n`)) return;
      const pid = /^slapd pid (\d+)$/m.exec(stdout)?.[1];
      clearTimeout(timer);
      if (pid) resolve(Number(pid));
      else fail('the start script did not say which pid slapd has');
    });
    script.once('error', (error) => fail(error.message));
    script.once('exit', (code, signal) => fail(`the start script exited (${signal ?? `code ${code}`})`));
  });
}
