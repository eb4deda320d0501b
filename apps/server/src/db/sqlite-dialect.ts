/**
 * Kysely's SQLite dialect with the driver swapped for one that takes the connection's `SqliteLock`
 * (shared with the executor) and, for a file on disk, stops the WAL checkpoint worker when the
 * database is destroyed.
 */
import type SQLite from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, SqliteDialect } from 'kysely';
import type { SqliteLock } from './sqlite-lock.ts';
import type { WalCheckpointer } from './wal-checkpointer.ts';

class LockedSqliteConnection implements DatabaseConnection {
  constructor(private readonly sqlite: SQLite.Database) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.sqlite.prepare(query.sql);
    const parameters = query.parameters as unknown[];
    if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
    const { changes } = statement.run(parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), rows: [] });
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered; the generator only refuses.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new TypeError('streaming is not supported on SQLite here');
  }
}

class LockedSqliteDriver implements Driver {
  private readonly connection: LockedSqliteConnection;

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly lock: SqliteLock,
    private readonly checkpointer: WalCheckpointer | undefined,
  ) {
    this.connection = new LockedSqliteConnection(sqlite);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.lock.release();
  }

  async destroy(): Promise<void> {
    await this.checkpointer?.stop();
    this.sqlite.close();
  }
}

export class LockedSqliteDialect extends SqliteDialect {
  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly lock: SqliteLock,
    private readonly checkpointer?: WalCheckpointer,
  ) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    return new LockedSqliteDriver(this.sqlite, this.lock, this.checkpointer);
  }
}
