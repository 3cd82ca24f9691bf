/**
 * Reading the platform definition a lease carries (JSON from the master) into the
 * {@link NodePlatform} the builders use, checking the fields they rely on. The master validates
 * definitions when they are stored; this guards the node against an empty or foreign one.
 */
import { BuildFailedError } from './errors.ts';
import { templateProblem } from '../lookaside/index.ts';
import type { NodePlatform, PlatformBuildroot, PlatformLookaside, PlatformRepository } from './types.ts';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The node's view of a platform definition.
 * @throws BuildFailedError naming the field that is missing or malformed.
 */
export function nodePlatform(definition: unknown, name: string): NodePlatform {
  const bad = (what: string): never => {
    throw new BuildFailedError(`platform ${name}: ${what} (the lease's platform definition is unusable)`);
  };
  if (!isRecord(definition)) return bad('no definition');
  const arches = definition.arches;
  if (!Array.isArray(arches) || arches.length === 0 || !arches.every((a) => typeof a === 'string')) return bad('no arches');
  const distTag = definition.distTag;
  if (typeof distTag !== 'string') return bad('no distTag');
  const macros: Record<string, string> = {};
  if (definition.macros !== undefined) {
    if (!isRecord(definition.macros)) return bad('macros is not a map');
    for (const [k, v] of Object.entries(definition.macros)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return bad(`macro ${k} is not a scalar`);
      macros[k] = String(v);
    }
  }
  const repositories: PlatformRepository[] = [];
  if (Array.isArray(definition.repositories)) {
    for (const r of definition.repositories) {
      if (!isRecord(r) || typeof r.name !== 'string' || typeof r.url !== 'string') return bad('a repository without name or url');
      const arches = Array.isArray(r.arches) && r.arches.every((a) => typeof a === 'string') ? { arches: r.arches as string[] } : {};
      const gpg = r.gpgcheck === true ? { gpgcheck: true, ...(typeof r.gpgkey === 'string' ? { gpgkey: r.gpgkey } : {}) } : {};
      repositories.push({ name: r.name, url: r.url, ...arches, ...gpg });
    }
  }
  const lookaside: PlatformLookaside[] = [];
  if (definition.lookaside !== undefined) {
    if (!Array.isArray(definition.lookaside)) return bad('lookaside is not a list');
    for (const l of definition.lookaside) {
      if (!isRecord(l) || typeof l.url !== 'string') return bad('a lookaside without url');
      const problem = templateProblem(l.url);
      if (problem) return bad(`lookaside url: ${problem}`);
      lookaside.push({ url: l.url });
    }
  }
  return { name: typeof definition.name === 'string' ? definition.name : name, arches: arches as string[], distTag, macros, repositories, lookaside, buildroot: buildrootOf(definition, distTag) };
}

/** The definition's `buildroot` section, with its defaults: `@buildsys-build`, releasever from the version or dist tag. */
function buildrootOf(definition: Record<string, unknown>, distTag: string): PlatformBuildroot {
  const b = isRecord(definition.buildroot) ? definition.buildroot : {};
  const install = Array.isArray(b.install) && b.install.length > 0 && b.install.every((x) => typeof x === 'string') ? (b.install as string[]) : ['@buildsys-build'];
  const version = isRecord(definition.lifecycle) && typeof definition.lifecycle.version === 'string' ? definition.lifecycle.version : '';
  const releasever = typeof b.releasever === 'string' ? b.releasever : (/^(\d+)/.exec(version)?.[1] ?? /(\d+)/.exec(distTag)?.[1] ?? '9');
  return { install, releasever };
}
