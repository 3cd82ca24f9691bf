/**
 * Uploaded SRPMs as build sources: stored in the artifact store (content addressed), checked to
 * be a source package and indexed in rpm_packages; a build names them by sha256.
 *
 * Terminology:
 * - uploaded SRPM: a source RPM a user sent with `POST /srpms`; a build item names it by sha256.
 */
import type { Readable } from 'node:stream';
import type { Context } from '../context.ts';
import { DistforgeError, NotFoundError } from '../errors.ts';
import { packageFromFile, readRpmFileSync, type RpmPackage } from '../rpm/index.ts';
import { rpmIndexRow } from '../scheduler/rpm-index.ts';

export interface UploadedSrpm {
  sha256: string;
  size: number;
  /** Source package name. */
  name: string;
  nevra: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

function readSourcePackage(path: string): { pkg: RpmPackage } {
  let file;
  try {
    file = readRpmFileSync(path);
  } catch (e) {
    throw new DistforgeError('not_srpm', `the upload is not an RPM file: ${(e as Error).message}`, { status: 422, cause: e });
  }
  const pkg = packageFromFile(file);
  if (!pkg.isSource) throw new DistforgeError('not_srpm', `the upload is a binary package (${pkg.name}.${pkg.arch}), not a source RPM`, { status: 422 });
  return { pkg };
}

function nevraOf(p: RpmPackage): string {
  return `${p.name}-${p.epoch === null ? '' : `${p.epoch}:`}${p.version}-${p.release}.${p.arch}`;
}

/**
 * Stores an uploaded SRPM and indexes it. It is checked before it enters the store: a refused
 * upload leaves nothing behind.
 * @throws DistforgeError `not_srpm` (422)
 */
export async function storeSrpm(ctx: Context, body: Readable | Buffer): Promise<UploadedSrpm> {
  let checked: { pkg: RpmPackage; row: ReturnType<typeof rpmIndexRow> } | undefined;
  const blob = await ctx.store.put(body, undefined, {
    accept: ({ path, sha256, size }) => {
      const pkg = readSourcePackage(path).pkg;
      checked = { pkg, row: rpmIndexRow({ path }, { name: `${nevraOf(pkg)}.rpm`, kind: 'srpm', sha256, size }, ctx.now()) };
    },
  });
  if (!checked) throw new Error('the store did not check the SRPM');
  const { pkg, row } = checked;
  await ctx.db.kysely.insertInto('rpm_packages').values(row).onConflict((oc) => oc.column('sha256').doNothing()).execute();
  return { sha256: blob.sha256, size: blob.size, name: pkg.name, nevra: nevraOf(pkg) };
}

/**
 * The uploaded SRPM `sha256`: its package name (from the index made at upload; its spec is read
 * on a node, never here).
 * @throws NotFoundError when no such SRPM was uploaded
 */
export async function findUploadedSrpm(ctx: Context, sha256: string): Promise<{ name: string }> {
  const indexed = SHA256.test(sha256)
    ? await ctx.db.kysely.selectFrom('rpm_packages').select(['name', 'arch']).where('sha256', '=', sha256).executeTakeFirst()
    : undefined;
  if (!indexed || (indexed.arch !== 'src' && indexed.arch !== 'nosrc') || !(await ctx.store.has(sha256))) {
    throw new NotFoundError(`no uploaded SRPM with sha256 ${sha256} (upload it with POST /api/v1/srpms first)`);
  }
  return { name: indexed.name };
}
