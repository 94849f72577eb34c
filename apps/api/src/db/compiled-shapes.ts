import { CompiledQuery, type Compilable, type Kysely } from 'kysely';

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

  constructor(
    private readonly db: Kysely<any>,
    /** Shapes kept at most; the oldest goes first (a caller's shapes are few: one per combination of filters). */
    private readonly maxShapes = 512,
  ) {}

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
      statement = { sql: compiled.sql, names };
      if (this.statements.size >= this.maxShapes) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(key, statement);
    }
    return (await this.db.executeQuery<R>(CompiledQuery.raw(statement.sql, statement.names.map((name) => values[name])))).rows;
  }
}
