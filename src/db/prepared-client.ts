/**
 * A pg client that runs the statements Kysely sends as named prepared statements, so PostgreSQL
 * parses each statement text once per connection (and may reuse its plan) instead of on every
 * call. The scheduler sends the same few statements thousands of times a second; their parsing
 * and planning were half of the database's CPU per task.
 *
 * Only texts with parameters are named (DDL and transaction control go as they are), and at most
 * MAX_NAMED distinct texts per process, so statements whose text varies (long IN lists) cannot
 * fill every connection with prepared statements.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

const MAX_NAMED = 1000;
const names = new Map<string, string>();

function statementName(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined || names.size >= MAX_NAMED) return known;
  const name = `df_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  names.set(text, name);
  return name;
}

export class PreparingClient extends pg.Client {
  // pg's query() has many overloads; Kysely calls query(text, values).
  override query(...args: unknown[]): never {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && args.length === 2) {
      const name = statementName(text);
      if (name !== undefined) return (super.query as (...a: unknown[]) => never)({ name, text, values });
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}
