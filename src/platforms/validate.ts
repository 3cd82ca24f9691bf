/**
 * Checking a platform definition (a parsed YAML file or an API body) field by field. The first
 * problem found is thrown as a PlatformDefinitionError naming the field (`arches[1]`,
 * `lifecycle.releaseDate`, …) and, for a file, the file; unknown fields are refused, so a typo
 * never silently drops a setting.
 */
import { templateProblem } from '../lookaside/template.ts';
import { gitUrlProblem } from '../util/git-url.ts';
import { PlatformDefinitionError } from './errors.ts';
import { archList, line, mapping, onlyFields, required, text, type Fail } from './field-checks.ts';
import { PLATFORM_LIMITS } from './limits.ts';
import { nameProblem } from './names.ts';
import { releaseSettings } from './validate-releases.ts';
import { type Arch, type Platform, type PlatformBuildroot, type PlatformLifecycle, type PlatformLookaside, type PlatformRepository, type PlatformTests } from './types.ts';


const PLATFORM_FIELDS = ['name', 'arches', 'distTag', 'macros', 'repositories', 'lookaside', 'tests', 'lifecycle', 'buildroot', 'releases', 'advisoryPrefix'];
const TESTS_FIELDS = ['gate', 'timeoutSeconds', 'autoSign', 'repository', 'install'];
const BUILDROOT_FIELDS = ['install', 'releasever'];
const LOOKASIDE_FIELDS = ['url'];
const REPOSITORY_FIELDS = ['name', 'url', 'arches', 'gpgcheck', 'gpgkey'];
/** What `buildroot.install` and `tests.install` list: package names, `@groups`, dependency strings. */
const INSTALL_SPEC = /^@?[A-Za-z0-9_.+:()/-][A-Za-z0-9_.+:()/ <>=-]*$/;
/** A repository URL: http(s)://, file://, or a path on this master. */
const REPO_URL = /^((https?|file):\/\/\S+|\/\S*)$/;
/** `endOfSupport` is the old name of `endOfSecuritySupport`, still read. */
const LIFECYCLE_FIELDS = ['version', 'codename', 'upstreamBase', 'kernel', 'releaseDate', 'upstreamReleaseDate', 'endOfActiveSupport', 'endOfSecuritySupport', 'endOfSupport'];
const DIST_TAG = /^\.[A-Za-z0-9_.+~]+$/;
const MACRO_NAME = /^_{0,2}[A-Za-z][A-Za-z0-9_]*$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The letters advisory ids start with (src/errata): `AL` makes ALSA/ALBA/ALEA. */
const ADVISORY_PREFIX = /^[A-Z]{2,8}$/;

export { PLATFORM_LIMITS } from './limits.ts';

/** Where a definition came from, for messages. */
export interface DefinitionSource {
  /** The file it was read from. */
  file?: string;
  /** Put before every field name, e.g. `platforms[2].` for a definition inside a config file. */
  fieldPrefix?: string;
}

/** Validates `input` as a platform definition. @throws PlatformDefinitionError */
export function parsePlatform(input: unknown, source: DefinitionSource = {}): Platform {
  const fail = (field: string, problem: string): never => {
    const prefix = source.fieldPrefix ?? '';
    throw new PlatformDefinitionError(field ? `${prefix}${field}` : prefix.replace(/\.$/, ''), problem, source.file);
  };
  const top = mapping(input, '', fail);
  onlyFields(top, PLATFORM_FIELDS, '', fail);
  const name = required(top, 'name', '', fail);
  const nameIssue = nameProblem(name);
  if (nameIssue) fail('name', nameIssue);
  const arches = archList(required(top, 'arches', '', fail), 'arches', fail);
  if (!arches.some((a) => a !== 'noarch')) fail('arches', 'must list at least one architecture besides noarch');
  const distTag = text(required(top, 'distTag', '', fail), 'distTag', fail);
  if (!DIST_TAG.test(distTag)) fail('distTag', `"${distTag}" must start with "." followed by letters, digits or . _ + ~ (e.g. ".el9")`);
  const macros = macroMap(top.macros ?? {}, fail);
  if (macros.dist === undefined) macros.dist = distTag;
  const repositories = repositoryList(top.repositories ?? [], arches, fail);
  const platform: Platform = { name: name as string, arches, distTag, macros, repositories };
  if (top.lookaside !== undefined && top.lookaside !== null) platform.lookaside = lookasideList(top.lookaside, fail);
  if (top.tests !== undefined && top.tests !== null) platform.tests = testsSettings(top.tests, fail);
  if (top.lifecycle !== undefined && top.lifecycle !== null) platform.lifecycle = lifecycle(top.lifecycle, fail);
  if (top.buildroot !== undefined && top.buildroot !== null) platform.buildroot = buildrootSettings(top.buildroot, fail);
  if (top.releases !== undefined && top.releases !== null) platform.releases = releaseSettings(top.releases, platform, fail);
  if (top.advisoryPrefix !== undefined && top.advisoryPrefix !== null) {
    if (typeof top.advisoryPrefix !== 'string' || !ADVISORY_PREFIX.test(top.advisoryPrefix)) fail('advisoryPrefix', `${JSON.stringify(top.advisoryPrefix).slice(0, 40)} must be 2 to 8 uppercase letters (e.g. "AL" for ALSA-2026:0001)`);
    platform.advisoryPrefix = top.advisoryPrefix as string;
  }
  return platform;
}

function macroMap(v: unknown, fail: Fail): Record<string, string> {
  const m = mapping(v, 'macros', fail);
  const out: Record<string, string> = {};
  if (Object.keys(m).length > PLATFORM_LIMITS.macros) fail('macros', `at most ${PLATFORM_LIMITS.macros} macros`);
  for (const [k, value] of Object.entries(m)) {
    if (k.length > PLATFORM_LIMITS.macroName || !MACRO_NAME.test(k)) fail(`macros.${k.slice(0, PLATFORM_LIMITS.macroName)}`, `a macro name is letters, digits and _ (at most ${PLATFORM_LIMITS.macroName}), without "%" (e.g. _vendor)`);
    const field = `macros.${k}`;
    if (typeof value !== 'string') fail(field, 'must be a string (quote numbers in JSON)');
    out[k] = line(value as string, field, fail, PLATFORM_LIMITS.macroValue);
  }
  return out;
}

function repositoryList(v: unknown, platformArches: Arch[], fail: Fail): PlatformRepository[] {
  if (!Array.isArray(v)) fail('repositories', 'must be a list (use [] for none)');
  if ((v as unknown[]).length > PLATFORM_LIMITS.repositories) fail('repositories', `at most ${PLATFORM_LIMITS.repositories} repositories`);
  const out: PlatformRepository[] = [];
  (v as unknown[]).forEach((item, i) => {
    const at = `repositories[${i}]`;
    const m = mapping(item, at, fail);
    onlyFields(m, REPOSITORY_FIELDS, `${at}.`, fail);
    const name = required(m, 'name', `${at}.`, fail);
    const issue = nameProblem(name);
    if (issue) fail(`${at}.name`, issue);
    if (out.some((r) => r.name === name)) fail(`${at}.name`, `"${name as string}" is used by another repository`);
    const url = text(required(m, 'url', `${at}.`, fail), `${at}.url`, fail, PLATFORM_LIMITS.url);
    if (!REPO_URL.test(url)) fail(`${at}.url`, `"${url}" must be an http://, https:// or file:// URL, or a path on this master (/…)`);
    const repo: PlatformRepository = { name: name as string, url };
    if (m.gpgcheck !== undefined && m.gpgcheck !== null) {
      if (m.gpgcheck !== true && m.gpgcheck !== false) fail(`${at}.gpgcheck`, 'must be true or false');
      repo.gpgcheck = m.gpgcheck as boolean;
    }
    if (m.gpgkey !== undefined && m.gpgkey !== null) {
      const key = text(m.gpgkey, `${at}.gpgkey`, fail, PLATFORM_LIMITS.url);
      if (!REPO_URL.test(key)) fail(`${at}.gpgkey`, `"${key}" must be an http://, https:// or file:// URL, or a path on this master (/…)`);
      repo.gpgkey = key;
    }
    if (repo.gpgcheck === true && repo.gpgkey === undefined) fail(`${at}.gpgkey`, 'is required when gpgcheck is true');
    if (m.arches !== undefined) {
      repo.arches = archList(m.arches, `${at}.arches`, fail);
      repo.arches.forEach((a, j) => {
        if (!platformArches.includes(a)) fail(`${at}.arches[${j}]`, `"${a}" is not one of the platform's arches`);
      });
    }
    out.push(repo);
  });
  return out;
}

function lookasideList(v: unknown, fail: Fail): PlatformLookaside[] {
  if (!Array.isArray(v)) fail('lookaside', 'must be a list of {url: TEMPLATE} (use [] for none)');
  if ((v as unknown[]).length > PLATFORM_LIMITS.lookaside) fail('lookaside', `at most ${PLATFORM_LIMITS.lookaside} lookaside caches`);
  return (v as unknown[]).map((item, i) => {
    const at = `lookaside[${i}]`;
    const m = mapping(item, at, fail);
    onlyFields(m, LOOKASIDE_FIELDS, `${at}.`, fail);
    const url = text(required(m, 'url', `${at}.`, fail), `${at}.url`, fail, PLATFORM_LIMITS.url);
    const problem = templateProblem(url);
    if (problem) fail(`${at}.url`, problem);
    return { url };
  });
}

function testsSettings(v: unknown, fail: Fail): PlatformTests {
  const m = mapping(v, 'tests', fail);
  onlyFields(m, TESTS_FIELDS, 'tests.', fail);
  const out: PlatformTests = { gate: true, timeoutSeconds: 300, autoSign: false };
  for (const key of ['gate', 'autoSign'] as const) {
    const v = m[key];
    if (v === undefined || v === null) continue;
    if (v !== true && v !== false && v !== 'true' && v !== 'false') fail(`tests.${key}`, 'must be true or false');
    out[key] = v === true || v === 'true';
  }
  if (m.timeoutSeconds !== undefined && m.timeoutSeconds !== null) {
    const n = Number(m.timeoutSeconds);
    if (!Number.isInteger(n) || n < 1 || n > 86_400) fail('tests.timeoutSeconds', 'must be a whole number of seconds from 1 to 86400');
    out.timeoutSeconds = n;
  }
  if (m.repository !== undefined && m.repository !== null) {
    const r = mapping(m.repository, 'tests.repository', fail);
    onlyFields(r, ['url', 'ref'], 'tests.repository.', fail);
    const url = text(required(r, 'url', 'tests.repository.', fail), 'tests.repository.url', fail, PLATFORM_LIMITS.url);
    const urlProblem = gitUrlProblem(url);
    if (urlProblem) fail('tests.repository.url', urlProblem);
    if (!/^(https?:\/\/|file:\/\/|\/)/.test(url)) fail('tests.repository.url', `"${url}" must be an http(s):// or file:// URL or an absolute path`);
    const ref = r.ref === undefined || r.ref === null ? 'main' : text(r.ref, 'tests.repository.ref', fail);
    if (!/^[A-Za-z0-9._/-]+$/.test(ref) || ref.startsWith('-') || ref.includes('..')) fail('tests.repository.ref', `"${ref}" is not a branch or tag name`);
    out.repository = { url, ref };
  }
  if (m.install !== undefined && m.install !== null) out.install = installList(m.install, 'tests.install', fail);
  return out;
}

/** A list of what dnf installs first into a root. */
function installList(v: unknown, field: string, fail: Fail): string[] {
  if (!Array.isArray(v) || v.length === 0) fail(field, 'must be a non-empty list of package names or @groups');
  if ((v as unknown[]).length > PLATFORM_LIMITS.install) fail(field, `at most ${PLATFORM_LIMITS.install} entries`);
  return (v as unknown[]).map((x, i) => {
    const entry = text(x, `${field}[${i}]`, fail);
    if (!INSTALL_SPEC.test(entry)) fail(`${field}[${i}]`, `"${entry}" is not a package name, @group or dependency`);
    return entry;
  });
}

function buildrootSettings(v: unknown, fail: Fail): PlatformBuildroot {
  const m = mapping(v, 'buildroot', fail);
  onlyFields(m, BUILDROOT_FIELDS, 'buildroot.', fail);
  const out: PlatformBuildroot = { install: m.install === undefined || m.install === null ? ['@buildsys-build'] : installList(m.install, 'buildroot.install', fail) };
  if (m.releasever !== undefined && m.releasever !== null) {
    const rv = text(m.releasever, 'buildroot.releasever', fail);
    if (!/^[A-Za-z0-9._-]+$/.test(rv)) fail('buildroot.releasever', `"${rv}" must be letters, digits and . _ -`);
    out.releasever = rv;
  }
  return out;
}

function lifecycle(v: unknown, fail: Fail): PlatformLifecycle {
  const m = mapping(v, 'lifecycle', fail);
  onlyFields(m, LIFECYCLE_FIELDS, 'lifecycle.', fail);
  const version = required(m, 'version', 'lifecycle.', fail);
  if (typeof version !== 'string') fail('lifecycle.version', 'must be a string (quote it: "9.10" is not 9.1)');
  const out: PlatformLifecycle = { version: text(version, 'lifecycle.version', fail) };
  for (const key of ['codename', 'upstreamBase', 'kernel'] as const) {
    if (m[key] !== undefined && m[key] !== null) out[key] = text(m[key], `lifecycle.${key}`, fail);
  }
  const given = (key: string): boolean => m[key] !== undefined && m[key] !== null;
  if (given('endOfSupport') && given('endOfSecuritySupport')) fail('lifecycle.endOfSupport', 'is the old name of endOfSecuritySupport: give only endOfSecuritySupport');
  // Messages name the field as it was written.
  const written = { releaseDate: 'releaseDate', upstreamReleaseDate: 'upstreamReleaseDate', endOfActiveSupport: 'endOfActiveSupport', endOfSecuritySupport: given('endOfSupport') ? 'endOfSupport' : 'endOfSecuritySupport' } as const;
  for (const [key, name] of Object.entries(written) as [keyof typeof written, string][]) {
    if (given(name)) out[key] = date(m[name], `lifecycle.${name}`, fail);
  }
  const { releaseDate: released, upstreamReleaseDate: upstream, endOfActiveSupport: active, endOfSecuritySupport: security } = out;
  if (released && upstream && upstream > released) fail('lifecycle.upstreamReleaseDate', `${upstream} is after lifecycle.releaseDate (${released}): the upstream release comes first`);
  for (const [key, end] of [['endOfActiveSupport', active], ['endOfSecuritySupport', security]] as const) {
    if (released && end && end <= released) fail(`lifecycle.${written[key]}`, `${end} must be after lifecycle.releaseDate (${released})`);
  }
  if (active && security && active > security) fail('lifecycle.endOfActiveSupport', `${active} is after lifecycle.${written.endOfSecuritySupport} (${security}): active support ends first`);
  return out;
}

function date(v: unknown, field: string, fail: Fail): string {
  const s = typeof v === 'string' ? v : '';
  const m = DATE.exec(s);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.toISOString().slice(0, 10) !== s) fail(field, `${JSON.stringify(v)} is not a date (YYYY-MM-DD)`);
  return s;
}
