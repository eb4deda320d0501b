/**
 * Hot queries compiled once. Kysely builds and compiles a query's SQL at every call (tens of
 * microseconds each, several per login); a prepared query compiles it the first time, with
 * placeholder values, and afterwards only fills in the parameters. The SQL text is then identical
 * at every call, so SQLite's statement cache (see `database.ts`) reuses the prepared statement.
 */
import type SQLite from 'better-sqlite3';
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { DatabaseSchema } from './schema.ts';

type Slot = { param: string } | { constant: unknown };

const PLACEHOLDER_PREFIX = '\u0000prepared-query-parameter:';

/** What the query builder receives: a stand-in for each parameter, typed as the value it stands for. */
export type Placeholders<P> = { readonly [K in keyof P]: P[K] };

/**
 * @example
 * const byId = new PreparedQuery((p: Placeholders<{ id: string }>) =>
 *   db.selectFrom('users').selectAll().where('id', '=', p.id));
 * const { rows } = await byId.execute(db, { id });
 */
export class PreparedQuery<P extends Record<string, unknown>, R> {
  private compiled?: { query: CompiledQuery<R>; slots: Slot[] };

  constructor(private readonly build: (placeholders: Placeholders<P>) => Compilable<R>) {}

  /** Runs the query on `executor` (the database or a transaction of it) with `params`. */
  execute(executor: Kysely<DatabaseSchema>, params: P): Promise<QueryResult<R>> {
    if (this.compiled === undefined) this.compiled = this.compile();
    const { query, slots } = this.compiled;
    const parameters = slots.map((slot) => ('param' in slot ? params[slot.param] : slot.constant));
    return executor.executeQuery<R>({ ...query, parameters });
  }

  /**
   * Runs the query on SQLite directly (see sqlite-direct.ts): rows for a query that returns rows,
   * otherwise the number of rows changed. Call it inside `exclusively`.
   */
  runOnSqlite(sqlite: SQLite.Database, params: P): { rows: R[]; changes: number } {
    if (this.compiled === undefined) this.compiled = this.compile();
    const { query, slots } = this.compiled;
    const parameters = slots.map((slot) => ('param' in slot ? params[slot.param] : slot.constant));
    const statement = sqlite.prepare(query.sql);
    if (statement.reader) return { rows: statement.all(parameters) as R[], changes: 0 };
    return { rows: [], changes: statement.run(parameters).changes };
  }

  private compile(): { query: CompiledQuery<R>; slots: Slot[] } {
    const placeholders = new Proxy(
      {},
      { get: (_target, name) => `${PLACEHOLDER_PREFIX}${String(name)}` },
    ) as Placeholders<P>;
    const query = this.build(placeholders).compile();
    const slots = query.parameters.map(
      (value): Slot =>
        typeof value === 'string' && value.startsWith(PLACEHOLDER_PREFIX)
          ? { param: value.slice(PLACEHOLDER_PREFIX.length) }
          : { constant: value },
    );
    if (query.sql.includes(PLACEHOLDER_PREFIX)) {
      throw new TypeError('a placeholder was written into the SQL text instead of a parameter');
    }
    return { query, slots };
  }
}
