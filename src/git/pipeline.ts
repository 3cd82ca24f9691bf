/**
 * A package's pipeline as the API shows it: the mirror, its refs, and its upstream events newest
 * first, each with our ref (when autopatched), the build it led to, that build's tasks, and
 * whether it is signed and released (as the builds feed says: src/builds buildMarks).
 */
import type { Context } from '../context.ts';
import { buildMarks } from '../builds/index.ts';
import { getMirrorRow, mirrorInfo } from './mirror-store.ts';
import { gitDb } from './schema.ts';
import type { EventView, PipelineView } from './types.ts';

const MAX_EVENTS = 100;

/** Events of a mirror (all mirrors when null), newest first. */
export async function listEvents(ctx: Context, mirror: string | null, limit = MAX_EVENTS): Promise<EventView[]> {
  let q = gitDb(ctx)
    .selectFrom('git_events as e')
    .innerJoin('git_mirrors as m', 'm.id', 'e.mirror_id')
    .leftJoin('git_rules as r', 'r.id', 'e.rule_id')
    .select(['e.id', 'm.name as mirror', 'e.ref', 'e.old_commit', 'e.new_commit', 'e.via', 'e.at', 'r.name as rule', 'e.status', 'e.message', 'e.our_ref', 'e.our_commit', 'e.build_id'])
    .orderBy('e.id', 'desc')
    .limit(Math.min(Math.max(1, limit), MAX_EVENTS));
  if (mirror !== null) q = q.where('m.name', '=', mirror);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    mirror: r.mirror,
    ref: r.ref,
    oldCommit: r.old_commit,
    commit: r.new_commit,
    via: r.via,
    at: r.at,
    rule: r.rule,
    status: r.status,
    message: r.message,
    ourRef: r.our_ref,
    ourCommit: r.our_commit,
    buildId: r.build_id,
  }));
}

/** The pipeline of package (mirror) `name`. @throws InvalidNameError, UnknownMirrorError */
export async function packagePipeline(ctx: Context, name: string): Promise<PipelineView> {
  const row = await getMirrorRow(ctx, name);
  const db = gitDb(ctx);
  const refs = await db.selectFrom('git_mirror_refs').select(['name', 'commit']).where('mirror_id', '=', row.id).orderBy('name').execute();
  const events = await listEvents(ctx, name);
  const buildIds = [...new Set(events.map((e) => e.buildId).filter((id): id is number => id !== null))];
  const builds = buildIds.length ? await db.selectFrom('builds').select(['id', 'state', 'signed_at']).where('id', 'in', buildIds).execute() : [];
  const marks = await buildMarks(ctx, builds);
  const tasks = buildIds.length
    ? await db.selectFrom('tasks').select(['id', 'build_id', 'platform', 'arch', 'kind', 'state']).where('build_id', 'in', buildIds).orderBy('id').execute()
    : [];
  return {
    package: name,
    mirror: mirrorInfo(ctx, row, refs.length),
    refs,
    pipeline: events.map((e) => {
      const b = builds.find((x) => x.id === e.buildId);
      return {
        ...e,
        build: b
          ? {
              id: b.id,
              state: b.state,
              ...(marks.get(b.id) ?? { signed: false, signedAt: null, released: false, releasedIn: [] }),
              tasks: tasks.filter((t) => t.build_id === b.id).map((t) => ({ id: t.id, platform: t.platform, arch: t.arch, kind: t.kind, state: t.state })),
            }
          : null,
      };
    }),
  };
}
