/**
 * The one path every query of the server takes: statements (statement.ts) run by an executor, and
 * one transaction helper, on SQLite and on PostgreSQL alike.
 *
 * On SQLite the executor runs a statement synchronously on better-sqlite3 (its only connection)
 * under the connection's lock (sqlite-lock.ts), which Kysely's driver takes too: a statement never
 * runs inside another request's open transaction. Kysely's asynchronous driver costs about 6 us of
 * CPU per statement on top of SQLite's own work (a connection lease, several promise hops, the
 * result transform), and a login runs about ten statements. On PostgreSQL the statements go through
 * Kysely's pool.
 */
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database, DatabaseSchema } from './schema.ts';
import type { SqliteLock, SqliteLockStats } from './sqlite-lock.ts';
import { type CompiledStatement, compileStatement, parametersOf, type Statement } from './statement.ts';

export interface StatementResult<R> {
  rows: R[];
  /** Rows a write changed (for a statement with RETURNING: rows returned). */
  changes: number;
}

export interface Executor {
  run<P extends object, R>(statement: Statement<P, R>, params: P): Promise<StatementResult<R>>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. Inside
   * a transaction, `transaction` runs `work` in the same one.
   */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T>;
  /** On SQLite: how often statements waited for the connection's lock, and how long (for the metrics). */
  lockStats?(): SqliteLockStats;
}

const executors = new WeakMap<Database, Executor>();

/** Called by `openDatabase` for SQLite. */
export function registerSqliteExecutor(db: Database, sqlite: SQLite.Database, lock: SqliteLock): void {
  executors.set(db, new SqliteExecutor(db, sqlite, lock));
}

/** The executor of a database opened by `openDatabase` (any other Kysely instance: through Kysely). */
export function executorFor(db: Database): Executor {
  let executor = executors.get(db);
  if (executor === undefined) {
    executor = new KyselyExecutor(db, new Map());
    executors.set(db, executor);
  }
  return executor;
}

interface PreparedSqlite {
  prepared: SQLite.Statement;
  compiled: CompiledStatement<unknown>;
}

class SqliteExecutor implements Executor {
  private readonly prepared = new Map<Statement<never, unknown>, PreparedSqlite>();
  private readonly inTransaction: SqliteTransaction;
  private readonly begin: SQLite.Statement;
  private readonly commit: SQLite.Statement;
  private readonly rollback: SQLite.Statement;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly sqlite: SQLite.Database,
    private readonly lock: SqliteLock,
  ) {
    this.inTransaction = new SqliteTransaction(this);
    // IMMEDIATE takes the write lock at once: another process on the same file waits at BEGIN
    // instead of failing at its first write.
    this.begin = sqlite.prepare('begin immediate');
    this.commit = sqlite.prepare('commit');
    this.rollback = sqlite.prepare('rollback');
  }

  lockStats(): SqliteLockStats {
    return this.lock.stats;
  }

  /** Runs the statement now; the caller holds the lock. */
  execute<P extends object, R>(statement: Statement<P, R>, params: P): StatementResult<R> {
    const key = statement as unknown as Statement<never, unknown>;
    let entry = this.prepared.get(key);
    if (entry === undefined) {
      const compiled = compileStatement(statement, this.db);
      entry = { compiled, prepared: this.sqlite.prepare(compiled.query.sql) };
      this.prepared.set(key, entry);
    }
    const parameters = parametersOf(entry.compiled.slots, params);
    if (entry.prepared.reader) {
      const rows = entry.prepared.all(parameters) as R[];
      return { rows, changes: rows.length };
    }
    return { rows: [], changes: entry.prepared.run(parameters).changes };
  }

  run<P extends object, R>(statement: Statement<P, R>, params: P): Promise<StatementResult<R>> {
    if (this.lock.tryAcquire()) {
      try {
        return Promise.resolve(this.execute(statement, params));
      } catch (error) {
        return Promise.reject(error);
      } finally {
        this.lock.release();
      }
    }
    return this.lock.acquire().then(() => {
      try {
        return this.execute(statement, params);
      } finally {
        this.lock.release();
      }
    });
  }

  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    await this.lock.acquire();
    try {
      this.begin.run();
      try {
        const result = await work(this.inTransaction);
        this.commit.run();
        return result;
      } catch (error) {
        if (this.sqlite.inTransaction) this.rollback.run();
        throw error;
      }
    } finally {
      this.lock.release();
    }
  }
}

/** The executor inside an SQLite transaction: its holder has the lock, so statements run at once. */
class SqliteTransaction implements Executor {
  constructor(private readonly root: SqliteExecutor) {}

  run<P extends object, R>(statement: Statement<P, R>, params: P): Promise<StatementResult<R>> {
    try {
      return Promise.resolve(this.root.execute(statement, params));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return work(this);
  }
}

class KyselyExecutor implements Executor {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly compiled: Map<Statement<never, unknown>, CompiledStatement<unknown>>,
  ) {}

  async run<P extends object, R>(statement: Statement<P, R>, params: P): Promise<StatementResult<R>> {
    const key = statement as unknown as Statement<never, unknown>;
    let compiled = this.compiled.get(key);
    if (compiled === undefined) {
      compiled = compileStatement(statement, this.db);
      this.compiled.set(key, compiled);
    }
    const result = await this.db.executeQuery<R>({
      ...(compiled.query as CompiledStatement<R>['query']),
      parameters: parametersOf(compiled.slots, params),
    });
    return {
      rows: result.rows,
      changes: Number(result.numAffectedRows ?? BigInt(result.rows.length)),
    };
  }

  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    // PostgreSQL ends one of two transactions that wait on each other (deadlock_detected, or a
    // serialization failure); everything it did is rolled back, so running it again is safe.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute((trx) => work(new KyselyExecutor(trx, this.compiled)));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= TRANSACTION_ATTEMPTS || (code !== '40P01' && code !== '40001')) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }
}

/** How often a PostgreSQL transaction ended by a deadlock or a serialization failure is tried. */
const TRANSACTION_ATTEMPTS = 3;
