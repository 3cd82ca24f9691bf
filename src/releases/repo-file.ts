/**
 * The `.repo` file users install to get a platform's released packages
 * (`/repos/PLATFORM.repo`): one section per release repository, and its debuginfo and source
 * twins disabled, each with gpgcheck and repo_gpgcheck on and the platform's keys.
 */
import type { Context } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { findPlatform } from '../platforms/index.ts';
import { platformKeys } from '../signing/index.ts';

export async function releaseRepoFileText(ctx: Context, platformName: string): Promise<string> {
  const platform = await findPlatform(ctx, platformName).catch(() => null);
  if (!platform?.releases) throw new NotFoundError(`platform ${platformName} has no release repositories`);
  const base = `${ctx.settings.publicUrl.replace(/\/+$/, '')}/repos/${platform.name}`;
  const keys = (await platformKeys(ctx, platform.name)).map((k) => `${ctx.settings.publicUrl.replace(/\/+$/, '')}/api/v1/keys/${k}.asc`);
  const lines = [`# ${platform.name}: release repositories published by distforge (${ctx.settings.publicUrl})`, `# install: curl -o /etc/yum.repos.d/${platform.name}.repo ${base}.repo`, ''];
  const section = (id: string, name: string, url: string, enabled: boolean): void => {
    lines.push(`[${id}]`, `name=${name}`, `baseurl=${url}`, `enabled=${enabled ? 1 : 0}`, 'gpgcheck=1', 'repo_gpgcheck=1', ...(keys.length ? [`gpgkey=${keys.join(' ')}`] : []), '');
  };
  for (const repo of platform.releases.repositories) {
    const id = `${platform.name}-${repo.name}`;
    const title = `${platform.name} ${repo.name}${repo.description ? ` (${repo.description})` : ''}`;
    section(id, `${title} - $basearch`, `${base}/${repo.name}/$basearch/`, true);
    if (repo.debuginfo !== false) section(`${id}-debuginfo`, `${title} - $basearch - debuginfo`, `${base}/${repo.name}/$basearch/debug/`, false);
    if (repo.source !== false) section(`${id}-source`, `${title} - source`, `${base}/${repo.name}/Source/`, false);
  }
  return lines.join('\n');
}
