/**
 * What a node sends while it holds a lease: log chunks (idempotent per sequence number, so a
 * retried request never duplicates a line) and artifacts (the blob is already in the store; this
 * records it against the task). Only the leaseholder may do either, so a node that lost its lease
 * (expired, killed with -9 and replaced) can never record anything for the task.
 *
 * Artifacts are unique per (task, name): an upload repeated by a later attempt replaces the row of
 * the earlier one, so a task never lists a file twice.
 */
import type { Context } from '../context.ts';
import type { Artifact } from '../db/schema.ts';
import { plainFileNameProblem } from '../util/file-name.ts';
import { BadArtifactNameError } from './errors.ts';
import { holdLease } from './leaseholder.ts';
import { recordTaskEvents } from './events.ts';
import { packageSearchKey, type RpmPackageRow } from './rpm-index.ts';
import { inTransaction } from './transaction.ts';

/** An artifact as the node describes it. */
export interface ArtifactInput {
  name: string;
  /** rpm, srpm, log, buildenv */
  kind: string;
  sha256: string;
  size: number;
}

export const ARTIFACT_KINDS = ['rpm', 'srpm', 'log', 'buildenv'] as const;

/**
 * Checks that `name` is a plain file name (src/util/file-name.ts): not empty, not `.` or `..`, no
 * `/` or `\`, no control or bidirectional/invisible formatting character, at most 255 bytes.
 * @throws BadArtifactNameError (400)
 */
export function checkArtifactName(name: string): void {
  const problem = plainFileNameProblem(name);
  if (problem) throw new BadArtifactNameError(name, problem);
}

/**
 * Records artifact `input` (already in the store) for the task the node holds, replacing a row of
 * the same name from an earlier attempt; with `rpm`, also indexes the package (once per sha256).
 * @throws BadArtifactNameError, LeaseLostError (409: nothing is recorded), NotFoundError
 */
export async function recordArtifact(ctx: Context, nodeId: number, taskId: number, input: ArtifactInput, options: { rpm?: RpmPackageRow } = {}): Promise<Artifact> {
  checkArtifactName(input.name);
  return inTransaction(ctx, async (tx) => {
    const held = await holdLease(tx, nodeId, taskId);
    const now = tx.now();
    const row = { kind: input.kind, sha256: input.sha256, size: input.size, created_at: now };
    const artifact = await tx.db.kysely
      .insertInto('artifacts')
      .values({ task_id: taskId, name: input.name, ...row })
      .onConflict((oc) => oc.columns(['task_id', 'name']).doUpdateSet(row))
      .returningAll()
      .executeTakeFirstOrThrow();
    if (options.rpm) {
      await tx.db.kysely.insertInto('rpm_packages').values(options.rpm).onConflict((oc) => oc.column('sha256').doNothing()).execute();
      if (held.task.build_id !== null) await recordArtifactPackage(tx, artifact.id, held.task.build_id, options.rpm);
    }
    const message = `artifact ${input.name} (${input.kind}, ${input.size} bytes, sha256 ${input.sha256})`;
    await recordTaskEvents(tx, [{ taskId, kind: 'artifact', nodeId, message }]);
    return artifact;
  });
}

/** Which package an RPM artifact of a build is (artifact_packages), replacing what an earlier upload under its name was. */
async function recordArtifactPackage(tx: Context, artifactId: number, buildId: number, rpm: RpmPackageRow): Promise<void> {
  const nevra = `${rpm.name}-${rpm.epoch ? `${rpm.epoch}:` : ''}${rpm.version}-${rpm.release}.${rpm.arch}`;
  const row = { build_id: buildId, key: packageSearchKey(rpm), name: rpm.name, epoch: rpm.epoch ?? null, nevra };
  await tx.db.kysely
    .insertInto('artifact_packages')
    .values({ artifact_id: artifactId, ...row })
    .onConflict((oc) => oc.column('artifact_id').doUpdateSet(row))
    .execute();
}

/** The artifacts of a task, by name. */
export async function taskArtifacts(ctx: Context, taskId: number): Promise<Artifact[]> {
  return ctx.db.kysely.selectFrom('artifacts').selectAll().where('task_id', '=', taskId).orderBy('name').execute();
}

/**
 * Appends log chunk `seq` of the task the node holds; a chunk already received with that seq is
 * kept as it was (a retried request is harmless).
 * @returns true when the chunk was new.
 * @throws LeaseLostError (409), NotFoundError
 */
export function appendLog(ctx: Context, nodeId: number, taskId: number, seq: number, chunk: string): Promise<boolean> {
  return inTransaction(ctx, async (tx) => {
    await holdLease(tx, nodeId, taskId);
    const inserted = await tx.db.kysely
      .insertInto('task_logs')
      .values({ task_id: taskId, seq, at: tx.now(), chunk })
      .onConflict((oc) => oc.columns(['task_id', 'seq']).doNothing())
      .returning('seq')
      .executeTakeFirst();
    return inserted !== undefined;
  });
}

/** The log chunks of a task from sequence number `fromSeq` on, in order. */
export async function taskLog(ctx: Context, taskId: number, fromSeq = 0): Promise<{ seq: number; at: number; chunk: string }[]> {
  return ctx.db.kysely
    .selectFrom('task_logs')
    .select(['seq', 'at', 'chunk'])
    .where('task_id', '=', taskId)
    .where('seq', '>=', fromSeq)
    .orderBy('seq')
    .execute();
}
