/**
 * A query written once with Kysely's builder and compiled once per database. Kysely builds and
 * compiles a query's SQL at every call (tens of microseconds, several per login); a statement is
 * compiled the first time with a placeholder for each parameter, and afterwards only its parameters
 * are filled in. The SQL text stays the same at every call, so SQLite reuses its prepared form.
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.ts';

/** What the query builder receives: a stand-in for each parameter, typed as the value it stands for. */
export type Placeholders<P> = { readonly [K in keyof P]: P[K] };

type Slot = { param: string } | { constant: unknown };

const PLACEHOLDER_PREFIX = '\u0000statement-parameter:';

/**
 * @example
 * const userById = defineStatement((db, p: Placeholders<{ id: string }>) =>
 *   db.selectFrom('users').selectAll().where('id', '=', p.id));
 * const { rows } = await executor.run(userById, { id });
 */
export interface Statement<P, R> {
  readonly build: (db: Kysely<DatabaseSchema>, placeholders: Placeholders<P>) => Compilable<R>;
  /** Only carries the row type. */
  readonly rowType?: R;
}

export function defineStatement<P extends object, R>(
  build: (db: Kysely<DatabaseSchema>, placeholders: Placeholders<P>) => Compilable<R>,
): Statement<P, R> {
  return { build };
}

/** A statement's SQL for one database, and where each of its parameters comes from. */
export interface CompiledStatement<R> {
  query: CompiledQuery<R>;
  slots: Slot[];
}

export function compileStatement<P, R>(
  statement: Statement<P, R>,
  db: Kysely<DatabaseSchema>,
): CompiledStatement<R> {
  const placeholders = new Proxy(
    {},
    { get: (_target, name) => `${PLACEHOLDER_PREFIX}${String(name)}` },
  ) as Placeholders<P>;
  const query = statement.build(db, placeholders).compile();
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

/** The parameter list of one call. */
export function parametersOf(slots: readonly Slot[], params: object): unknown[] {
  const values = params as Record<string, unknown>;
  return slots.map((slot) => ('param' in slot ? values[slot.param] : slot.constant));
}

/**
 * `{column: placeholder}` for every column of a row type (a placeholder object has no own keys to
 * spread into `values()`).
 */
export function rowOf<Row>(placeholders: Placeholders<Row>, columns: readonly (keyof Row)[]): Row {
  return Object.fromEntries(columns.map((column) => [column, placeholders[column]])) as Row;
}
