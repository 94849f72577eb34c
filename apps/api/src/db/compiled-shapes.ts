import { createHash } from 'node:crypto';
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type pg from 'pg';

/**
 * The start of a statement that PostgreSQL keeps prepared on each connection, followed by its name and the
 * comment's end (see namePreparedStatements): the name is made once, when the statement is.
 */
const PREPARED = '/* prepared:';

/** `sql` marked to be kept prepared, under a name made from its text. */
function markPrepared(sql: string): string {
  return `${PREPARED}imageflow_${createHash('sha1').update(sql).digest('hex').slice(0, 24)} */ ${sql}`;
}

/** Where a value goes in a statement compiled by CompiledShapes: found among its parameters by identity. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * Statements built and compiled by Kysely once per shape, then run with each call's values: for hot
 * queries whose building and compiling cost a measurable part of their time (bench/lineage: 0.07 ms of
 * a 0.45 ms gallery page on SQLite). A shape is the caller's name for what changes the SQL but is no
 * value (a selection, an order), plus which of the values are there. The builder must put every value
 * it is given into the statement only as a parameter, never into its text or its choices: the first
 * build gets stand-ins, and a parameter that is not one of them is refused before anything runs.
 */
export class CompiledShapes<V extends Record<string, unknown>> {
  private readonly statements = new Map<string, { sql: string; names: ReadonlyArray<keyof V & string> }>();
  private readonly maxShapes: number;
  private readonly prepared: boolean;

  constructor(
    private readonly db: Kysely<any>,
    {
      maxShapes = 512,
      prepared = false,
    }: {
      /** Shapes kept at most; the oldest goes first (a caller's shapes are few: one per combination of filters). */
      maxShapes?: number;
      /**
       * Whether PostgreSQL keeps each statement prepared on each connection, parsed and planned once there (a plan
       * made for every value alike after five runs): only for statements whose best plan is the same whatever the
       * values, such as a walk of one index. On SQLite the mark is a comment.
       */
      prepared?: boolean;
    } = {},
  ) {
    this.maxShapes = maxShapes;
    this.prepared = prepared;
  }

  async rows<R>(shape: string, values: V, build: (values: V) => Compilable<unknown>): Promise<R[]> {
    const present = Object.keys(values).filter((name) => values[name] !== undefined);
    const key = `${shape}|${present.join(',')}`;
    let statement = this.statements.get(key);
    if (!statement) {
      const standIns = Object.fromEntries(present.map((name) => [name, new Slot(name)]));
      const compiled = build(standIns as V).compile();
      const names = compiled.parameters.map((parameter) => {
        if (!(parameter instanceof Slot)) throw new Error(`A statement of shape ${key} holds a parameter that is not one of its values.`);
        return parameter.name as keyof V & string;
      });
      statement = { sql: this.prepared ? markPrepared(compiled.sql) : compiled.sql, names };
      if (this.statements.size >= this.maxShapes) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(key, statement);
    }
    return (await this.db.executeQuery<R>(CompiledQuery.raw(statement.sql, statement.names.map((name) => values[name])))).rows;
  }
}

/**
 * Runs the statements CompiledShapes marks as prepared as named prepared statements on `client` (a connection of
 * the pool, each once: see openPostgres), under the name in their mark; every other statement as before. Their
 * number is bounded by the shapes of the callers that ask for it.
 */
export function namePreparedStatements(client: pg.ClientBase): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text !== 'string' || !text.startsWith(PREPARED)) return query(text, values, callback);
    const name = text.slice(PREPARED.length, text.indexOf(' */', PREPARED.length));
    return query({ name, text, values }, callback);
  }) as typeof client.query;
}
