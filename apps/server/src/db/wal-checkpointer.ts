/**
 * Checkpoints an SQLite write-ahead log from a worker thread, so that the event loop does not.
 *
 * Why: SQLite copies the WAL back into the database file (a checkpoint) in the connection that
 * commits the transaction crossing `wal_autocheckpoint` pages (1,000 by default), and with
 * `synchronous = NORMAL` a checkpoint syncs the WAL and the database file to disk. better-sqlite3
 * is synchronous, so the server's only thread stood still for 5-9 ms every ~90 logins (a login
 * writes about 11 pages), and every request in flight waited with it. Here a worker thread with its
 * own connection runs a PASSIVE checkpoint (never blocks a writer, never waits) every 100 ms, and
 * the server's own connection keeps a fallback threshold 8x higher: under a steady stream of
 * commits the WAL is never completely copied at the moment a writer starts, which is when SQLite
 * rewinds it, so the server's connection still checkpoints now and then, but only the few pages the
 * worker has not copied yet. Measured with `npm run server-cost -w @ldap-login/bench` (c16): login
 * p99 19-20 ms instead of 23-24 ms, 5-10% more logins per second. The WAL file then grows to about
 * the fallback threshold (32 MiB) under load.
 *
 * The worker is plain JavaScript evaluated from a string (`eval: true`), so the same code runs from
 * the TypeScript sources in tests and from the built files; it loads the same better-sqlite3.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** WAL pages at which the server's own connection checkpoints while the worker runs. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 8000;
/** SQLite's default, which the server's connection returns to if the worker fails. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
const INTERVAL_MS = 100;
const STOP_TIMEOUT_MS = 2000;

// Dynamic imports only: the evaluated code is a CommonJS script, or a module when the process runs
// with a default type of module (`--input-type=module`, say); this code runs as either.
const WORKER_SOURCE = `
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { default: Database } = await import(workerData.sqliteUrl);
  const db = new Database(workerData.file, { fileMustExist: true });
  // PASSIVE never waits for a lock; a busy database only means this round copies less.
  db.pragma('busy_timeout = 0');
  // The pragma reports how many of the WAL's frames are copied so far, not how many this round
  // copied; the count starts again when a writer rewinds the WAL.
  let copiedBefore = 0;
  const timer = setInterval(() => {
    try {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)');
      const copied = result ? result.checkpointed : 0;
      const fresh = copied >= copiedBefore ? copied - copiedBefore : copied;
      copiedBefore = copied;
      if (fresh > 0) parentPort.postMessage({ checkpointed: fresh });
    } catch (error) {
      if (error && error.code === 'SQLITE_BUSY') return;
      clearInterval(timer);
      throw error;
    }
  }, workerData.intervalMs);
  parentPort.on('message', () => {
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
})();
`;

export interface WalCheckpointer {
  /** WAL frames the worker has copied into the database file so far. */
  readonly framesCheckpointed: number;
  /** Ends the worker (closing its connection); idempotent. */
  stop(): Promise<void>;
}

export interface WalCheckpointerOptions {
  intervalMs?: number;
  /** The worker failed (could not open the database, a checkpoint threw): it has stopped. */
  onFailure?: (error: Error) => void;
}

/** Starts checkpointing `file` (an SQLite database in WAL mode, which must exist) from a worker thread. */
export function startWalCheckpointer(file: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file,
      sqliteUrl: pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href,
      intervalMs: options.intervalMs ?? INTERVAL_MS,
    },
    // The server's own flags (a CPU profile, say) are not for this thread.
    execArgv: [],
  });
  // The worker must not keep a process alive that is otherwise done (a CLI command, say).
  worker.unref();
  let framesCheckpointed = 0;
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: { checkpointed?: number }) => {
    framesCheckpointed += message.checkpointed ?? 0;
  });
  worker.on('error', (error) => {
    if (!stopping) options.onFailure?.(error);
  });
  return {
    get framesCheckpointed() {
      return framesCheckpointed;
    },
    async stop() {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
