/**
 * Rules in the database: which refs of which mirrors build for which platforms (and through
 * autopatch). A rule is checked whole — its platforms and mirrors must exist — before it is
 * stored; the configuration file's rules are created or replaced by name.
 */
import { UnknownPlatformError } from '../builds/errors.ts';
import type { Context } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { checkName } from '../platforms/names.ts';
import { listPlatforms } from '../platforms/store.ts';
import { UnknownMirrorError } from './errors.ts';
import { gitDb, type RuleRow } from './schema.ts';
import type { AutopatchSpec, Rule, RuleDefinition } from './types.ts';
import { globToRegExp } from './validate.ts';

export function ruleFromRow(row: RuleRow): Rule {
  const rule: Rule = { id: row.id, name: row.name, platforms: JSON.parse(row.platforms) as string[], createdAt: row.created_at, updatedAt: row.updated_at };
  rule[row.kind === 'tag' ? 'tag' : 'branch'] = row.pattern;
  if (row.mirrors !== null) rule.mirrors = JSON.parse(row.mirrors) as string[];
  if (row.autopatch !== null) rule.autopatch = JSON.parse(row.autopatch) as AutopatchSpec;
  return rule;
}

export async function listRules(ctx: Context): Promise<Rule[]> {
  const rows = await gitDb(ctx).selectFrom('git_rules').selectAll().orderBy('name').execute();
  return rows.map(ruleFromRow);
}

/** Whether `rule` builds `ref` (a full ref name) of mirror `mirror`. */
export function ruleMatches(rule: RuleDefinition, mirror: string, ref: string): boolean {
  if (rule.mirrors && !rule.mirrors.includes(mirror)) return false;
  const [prefix, pattern] = rule.tag !== undefined ? ['refs/tags/', rule.tag] : ['refs/heads/', rule.branch ?? ''];
  return ref.startsWith(prefix) && globToRegExp(pattern).test(ref.slice(prefix.length));
}

/** @throws UnknownPlatformError, UnknownMirrorError */
async function checkReferences(ctx: Context, def: RuleDefinition): Promise<void> {
  const known = (await listPlatforms(ctx)).map((p) => p.name);
  const unknown = def.platforms.filter((p) => !known.includes(p));
  if (unknown.length > 0) throw new UnknownPlatformError(unknown, known);
  if (def.mirrors) {
    const rows = await gitDb(ctx).selectFrom('git_mirrors').select('name').where('name', 'in', def.mirrors).execute();
    const missing = def.mirrors.find((m) => !rows.some((r) => r.name === m));
    if (missing !== undefined) throw new UnknownMirrorError(missing);
  }
}

/** Creates or replaces the rule `def.name`; returns it and whether it was created. */
export async function saveRule(ctx: Context, def: RuleDefinition): Promise<{ rule: Rule; created: boolean }> {
  await checkReferences(ctx, def);
  const now = ctx.now();
  const values = {
    kind: def.tag !== undefined ? 'tag' : 'branch',
    pattern: def.tag ?? def.branch ?? '',
    mirrors: def.mirrors ? JSON.stringify(def.mirrors) : null,
    platforms: JSON.stringify(def.platforms),
    autopatch: def.autopatch ? JSON.stringify(def.autopatch) : null,
    updated_at: now,
  };
  const db = gitDb(ctx);
  return db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom('git_rules').select('id').where('name', '=', def.name).executeTakeFirst();
    const row = existing
      ? await tx.updateTable('git_rules').set(values).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow()
      : await tx.insertInto('git_rules').values({ ...values, name: def.name, created_at: now }).returningAll().executeTakeFirstOrThrow();
    return { rule: ruleFromRow(row), created: !existing };
  });
}

export async function getRule(ctx: Context, name: string): Promise<Rule> {
  checkName('rule name', name);
  const row = await gitDb(ctx).selectFrom('git_rules').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw new NotFoundError(`no git rule "${name}"`);
  return ruleFromRow(row);
}

export async function deleteRule(ctx: Context, name: string): Promise<void> {
  const rule = await getRule(ctx, name);
  await gitDb(ctx).deleteFrom('git_rules').where('id', '=', rule.id).execute();
}
