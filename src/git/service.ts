/**
 * What the API, the CLI and the master's start ask of the git service: register a mirror (the
 * upstream asked first; its refs become the baseline), sync one now, take a push webhook, and
 * apply the configuration file's `git:` section. Syncs started here build their events in the
 * background (the caller gets the sync's result at once).
 */
import type { Context } from '../context.ts';
import { AlreadyExistsError } from '../platforms/errors.ts';
import { GitDefinitionError, UnknownMirrorError } from './errors.ts';
import { processPendingEvents } from './events.ts';
import { checkUpstreamUrl, deleteMirror, getMirror, getMirrorRow, insertMirror, saveConfigMirror } from './mirror-store.ts';
import { upstreamRefs } from './remote-refs.ts';
import { saveRule } from './rule-store.ts';
import { firstPollAt } from './schedule.ts';
import { gitDb, type MirrorRow } from './schema.ts';
import { gitSettings } from './settings.ts';
import { syncMirror } from './sync.ts';
import type { GitConfig, MirrorDefinition, MirrorInfo, SyncResult, SyncVia } from './types.ts';
import { payloadUrls, repoKey, verifiedMirrors, verifyWebhook, type Headers } from './webhooks.ts';

/** Builds pending events without making the caller wait; failures are logged. */
function buildInBackground(ctx: Context): void {
  processPendingEvents(ctx).catch((e: unknown) => ctx.log.error({ err: e }, 'git events could not be processed'));
}

async function syncRow(ctx: Context, row: MirrorRow, via: SyncVia): Promise<SyncResult> {
  const r = await syncMirror(ctx, row, { via, intervalS: gitSettings(ctx).pollIntervalSeconds });
  if (r && r.events.some((e) => e.rule !== null)) buildInBackground(ctx);
  return r ?? { mirror: row.name, changed: false, baseline: false, events: [], deleted: [] };
}

/**
 * Registers mirrors: every upstream is asked before anything is written; each is then fetched and
 * its refs recorded (no events). A mirror whose fetch fails is removed again.
 * @throws GitDefinitionError, AlreadyExistsError, GitUnreachableError (naming the URL), UsageError
 */
export async function registerMirrors(ctx: Context, defs: MirrorDefinition[]): Promise<MirrorInfo[]> {
  const names = new Set<string>();
  for (const def of defs) {
    if (names.has(def.name)) throw new GitDefinitionError('git mirrors', 'name', `"${def.name}" is given twice`);
    names.add(def.name);
    checkUpstreamUrl(ctx, def.url);
  }
  const taken = defs.length ? await gitDb(ctx).selectFrom('git_mirrors').select('name').where('name', 'in', [...names]).executeTakeFirst() : undefined;
  if (taken) throw new AlreadyExistsError(`git mirror "${taken.name}" already exists`);
  for (const def of defs) await upstreamRefs(def.url);
  const created: MirrorInfo[] = [];
  const spread = gitSettings(ctx).pollIntervalSeconds;
  for (const def of defs) {
    const row = await insertMirror(ctx, def, ctx.now());
    try {
      await syncMirror(ctx, row, { via: 'sync', intervalS: spread });
      // Mirrors registered together are first polled anywhere in one interval, not together.
      await gitDb(ctx).updateTable('git_mirrors').set({ next_poll_at: firstPollAt(ctx.now(), def.pollIntervalSeconds ?? spread) }).where('id', '=', row.id).execute();
    } catch (e) {
      await deleteMirror(ctx, def.name);
      throw e;
    }
    created.push(await getMirror(ctx, def.name));
  }
  return created;
}

/** Syncs mirror `name` now (`distforge git sync NAME`). @throws UnknownMirrorError, GitUnreachableError */
export async function syncMirrorNow(ctx: Context, name: string): Promise<SyncResult> {
  return syncRow(ctx, await getMirrorRow(ctx, name), 'sync');
}

/**
 * A push webhook: for mirror `name`, or (null) for the mirrors whose upstream URL the payload
 * names. The signature is checked with each mirror's secret (else the configuration's) before
 * anything else; a delivery to the global hook syncs the mirrors whose secret verifies it (mirrors
 * without a secret are skipped). @throws WebhookSignatureError, UnknownMirrorError, GitDefinitionError
 */
export async function receiveWebhook(ctx: Context, name: string | null, headers: Headers, body: Buffer): Promise<SyncResult[]> {
  const fallback = gitSettings(ctx).webhookSecret ?? null;
  let rows: MirrorRow[];
  if (name !== null) {
    const row = await getMirrorRow(ctx, name);
    verifyWebhook(headers, body, row.webhook_secret ?? fallback, row.name);
    rows = [row];
  } else {
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      payload = null;
    }
    const keys = new Set(payloadUrls(payload).map(repoKey));
    if (keys.size === 0) throw new GitDefinitionError('webhook', 'body', 'is not a push payload naming its repository (repository.clone_url or project.git_http_url)');
    const all = await gitDb(ctx).selectFrom('git_mirrors').selectAll().execute();
    const matching = all.filter((r) => keys.has(repoKey(r.url)));
    if (matching.length === 0) throw new UnknownMirrorError([...keys].join(', ').slice(0, 300));
    rows = verifiedMirrors(headers, body, matching.map((row) => ({ row, name: row.name, secret: row.webhook_secret ?? fallback }))).map((c) => c.row);
  }
  const results: SyncResult[] = [];
  for (const row of rows) results.push(await syncRow(ctx, row, 'webhook'));
  return results;
}

/**
 * Applies the configuration's `git:` section at start: settings into the context, mirrors
 * created or updated (fetched by the poller, first polls spread over a few seconds), rules
 * created or replaced. @throws UnknownPlatformError, UnknownMirrorError (a rule naming either)
 */
export async function applyGitConfig(ctx: Context, config: GitConfig): Promise<{ mirrors: number; rules: number }> {
  ctx.settings.git = { pollIntervalSeconds: config.pollIntervalSeconds, concurrency: config.concurrency, ...(config.webhookSecret !== undefined && { webhookSecret: config.webhookSecret }) };
  for (const m of config.mirrors) await saveConfigMirror(ctx, m, firstPollAt(ctx.now(), Math.min(10, config.pollIntervalSeconds)));
  for (const r of config.rules) await saveRule(ctx, r);
  return { mirrors: config.mirrors.length, rules: config.rules.length };
}
