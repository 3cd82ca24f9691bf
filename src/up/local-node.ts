/**
 * The build node `distforge up` runs beside the master: registered once (a node named `local`
 * and its token kept in DATA/node.token, mode 0600) and reused on every later start.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeToken } from '../auth/nodes.ts';
import type { Context } from '../context.ts';

export const NODE_TOKEN_FILE = 'node.token';

/** The local node's token: read from DATA/node.token, or made (node `local`, `local-2`, …) on first start. */
export async function localNodeToken(ctx: Context, arches: string[], maxConcurrency: number): Promise<string> {
  const file = join(ctx.settings.dataDir, NODE_TOKEN_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  for (let n = 1; ; n++) {
    const name = n === 1 ? 'local' : `local-${n}`;
    const taken = await ctx.db.kysely.selectFrom('nodes').select('id').where('name', '=', name).executeTakeFirst();
    if (taken) continue;
    const issued = await createNodeToken(ctx, { name, arches, capabilities: ['build', 'test'], maxConcurrency });
    writeFileSync(file, `${issued.secret}\n`, { mode: 0o600 });
    return issued.secret;
  }
}
