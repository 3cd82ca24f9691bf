/**
 * importWithAutopatch: one upstream import → patched commit on our branch + tag, pushed to the
 * target repository only when everything succeeded.
 *
 * History: the new commit's tree is the patched upstream tree; its first parent is the previous
 * tip of our branch (when there is one), its second parent the upstream commit. Our branch thus
 * only moves forward (no force push), `git log --first-parent <branch>` lists our imports, and the
 * upstream history stays reachable. No merge is ever computed: the tree is always the upstream
 * tree plus the actions.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyActions } from './actions/apply.ts';
import { AutopatchConflictError, AutopatchError } from './errors.ts';
import { checkoutInto, fetchCommit, git, initScratchRepo, resolveCommit } from './git.ts';
import { commitMessage, findPreviousImport, refExists, tagCommit, validRefName } from './history.ts';
import { detectLayout } from './layout.ts';
import { findPackageConfig, type PackageConfig } from './patches-repo.ts';
import { inferDist, nvrOf, specIdentity } from './rpmspec.ts';
import type { AutopatchImport, AutopatchResult } from './types.ts';

interface Scratch {
  gitDir: string;
  tree: string;
}

async function checkRequest(req: AutopatchImport): Promise<string> {
  const prefix = req.tagPrefix ?? `changed/${req.branch}`;
  if (!(await validRefName(`refs/heads/${req.branch}`))) throw new AutopatchError(`invalid branch name ${JSON.stringify(req.branch)}`);
  if (!(await validRefName(`refs/tags/${prefix}/x`))) throw new AutopatchError(`invalid tag prefix ${JSON.stringify(prefix)}`);
  if (!/^[A-Za-z0-9._+-]+$/.test(req.packageName)) throw new AutopatchError(`invalid package name ${JSON.stringify(req.packageName)}`);
  return prefix;
}

/** Fetches and checks out the patches repository; returns its commit and the package's config. */
async function loadPatches(req: AutopatchImport, root: string): Promise<{ commit: string; config: PackageConfig | null } | null> {
  if (req.patches === null) return null;
  const scratch = { gitDir: join(root, 'patches.git'), tree: join(root, 'patches') };
  await initScratchRepo(scratch.gitDir);
  const commit = await fetchCommit(scratch.gitDir, req.patches.repo, req.patches.ref, 'patches ref');
  mkdirSync(scratch.tree);
  await checkoutInto(scratch.gitDir, scratch.tree, commit);
  return { commit, config: findPackageConfig(scratch.tree, req.packageName) };
}

/** The result of an earlier identical import, when its tag is still there. */
async function previousResult(req: AutopatchImport, prefix: string, upstreamCommit: string, digest: string): Promise<AutopatchResult | null> {
  const previous = await findPreviousImport(req.targetRepo, req.branch, upstreamCommit, digest);
  if (previous === null) return null;
  const tag = `${prefix}/${previous.nvr}`;
  if ((await tagCommit(req.targetRepo, tag)) !== previous.commit) return null;
  return { commit: previous.commit, tag, branch: req.branch, nvr: previous.nvr, applied: previous.applied };
}

/** Commits the patched tree and tags it in the scratch repository. */
async function commitAndTag(s: Scratch, parents: string[], message: string, date: string, tag: string): Promise<string> {
  await git(['add', '--all', '--force', '.'], { gitDir: s.gitDir, workTree: s.tree });
  const tree = (await git(['write-tree'], { gitDir: s.gitDir, workTree: s.tree })).trim();
  const parentArgs = parents.flatMap((p) => ['-p', p]);
  const commit = (await git(['commit-tree', tree, ...parentArgs, '-F', '-'], { gitDir: s.gitDir, date, input: message })).trim();
  await git(['tag', '--annotate', '--message', `autopatch: ${tag}`, tag, commit], { gitDir: s.gitDir, date });
  return commit;
}

/** Pushes branch and tag atomically (fast-forward only); creates the target repository if missing. */
async function publish(s: Scratch, req: AutopatchImport, commit: string, tag: string): Promise<void> {
  const created = !existsSync(req.targetRepo);
  if (created) await git(['init', '--quiet', '--bare', req.targetRepo]);
  try {
    await git(['push', '--quiet', '--atomic', req.targetRepo, `${commit}:refs/heads/${req.branch}`, `refs/tags/${tag}:refs/tags/${tag}`], { gitDir: s.gitDir });
  } catch (err) {
    if (created) rmSync(req.targetRepo, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Imports `req.upstreamRef` onto our branch with the package's autopatch config applied, tags the
 * result `<tagPrefix>/<NVR>` and pushes both. Repeating an import returns the existing result.
 * Throws AutopatchError (or a subclass) and leaves the target repository unchanged on any failure.
 */
export async function importWithAutopatch(req: AutopatchImport): Promise<AutopatchResult> {
  const prefix = await checkRequest(req);
  mkdirSync(req.workDir, { recursive: true });
  const root = mkdtempSync(join(req.workDir, 'autopatch-'));
  try {
    const s: Scratch = { gitDir: join(root, 'upstream.git'), tree: join(root, 'tree') };
    await initScratchRepo(s.gitDir);
    const upstream = await fetchCommit(s.gitDir, req.upstreamRepo, req.upstreamRef, 'upstream ref');
    const patches = await loadPatches(req, root);
    const pkg = patches?.config ?? null;
    const digest = pkg?.digest ?? 'none';

    const again = await previousResult(req, prefix, upstream, digest);
    if (again !== null) return again;

    mkdirSync(s.tree);
    await checkoutInto(s.gitDir, s.tree, upstream);
    const layout = detectLayout(s.tree, req.packageName);
    const spec = { root: s.tree, spec: layout.spec };
    const dist = await inferDist(spec, req.upstreamRef, req.branch);
    const epoch = Number((await git(['show', '-s', '--format=%ct', upstream], { gitDir: s.gitDir })).trim());
    const nvrTaken = (nvr: string): Promise<boolean> => refExists(req.targetRepo, `refs/tags/${prefix}/${nvr}`);
    const applied = pkg === null ? [] : await applyActions(pkg.config, { layout, filesDir: pkg.filesDir, dist, upstreamDate: new Date(epoch * 1000), nvrTaken });

    const nvr = nvrOf(await specIdentity(spec, dist));
    const tag = `${prefix}/${nvr}`;
    if (!(await validRefName(`refs/tags/${tag}`))) throw new AutopatchError(`${nvr} does not make a valid tag name`);
    if (await nvrTaken(nvr)) throw new AutopatchConflictError(`tag ${tag} already exists in ${req.targetRepo} for a different import; add or bump modify_release in the package's autopatch config`);

    const previousTip = await resolveCommit(req.targetRepo, `refs/heads/${req.branch}`);
    if (previousTip !== null) await fetchCommit(s.gitDir, req.targetRepo, `refs/heads/${req.branch}`, 'our branch');
    const message = commitMessage({
      upstreamRef: req.upstreamRef,
      upstreamCommit: upstream,
      configDigest: digest,
      patches: pkg === null || req.patches === null || patches === null ? null : { file: pkg.file, ref: req.patches.ref, commit: patches.commit },
      nvr,
      applied,
    });
    const parents = previousTip === null ? [upstream] : [previousTip, upstream];
    const commit = await commitAndTag(s, parents, message, `@${epoch} +0000`, tag);
    await publish(s, req, commit, tag);
    return { commit, tag, branch: req.branch, nvr, applied };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
