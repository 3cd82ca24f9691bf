/**
 * The `git:` section of the server configuration file, checked field by field (errors name the
 * file and the field, e.g. `server.yaml: git.rules[1].tag: …`):
 *
 * ```yaml
 * git:
 *   pollIntervalSeconds: 300     # default 300
 *   concurrency: 4               # mirrors synced at once, default 4
 *   webhookSecret: s3cret        # for mirrors without their own
 *   mirrors:
 *     - {name: hello, url: https://git.centos.org/rpms/hello.git, webhookSecret: x, pollIntervalSeconds: 60}
 *   rules:
 *     - {name: c9, tag: "imports/c9/*", platforms: [almalinux-9], autopatch: {repo: "https://…/{package}.git", ref: main, branch: a9}}
 * ```
 */
import { unsafeTextProblem } from '../util/text.ts';
import { GitDefinitionError } from './errors.ts';
import type { GitConfig } from './types.ts';
import { parseMirrorDefinition, parseRuleDefinition, parseSeconds } from './validate.ts';

const FIELDS = ['pollIntervalSeconds', 'concurrency', 'webhookSecret', 'mirrors', 'rules'];

/** Checks the `git:` section (undefined: none). @throws GitDefinitionError */
export function parseGitConfig(raw: unknown, file: string): GitConfig {
  const fail = (field: string, problem: string): never => {
    throw new GitDefinitionError(file, `git${field}`, problem);
  };
  const config: GitConfig = { pollIntervalSeconds: 300, concurrency: 4, mirrors: [], rules: [] };
  if (raw === undefined || raw === null) return config;
  if (typeof raw !== 'object' || Array.isArray(raw)) return fail('', 'must be a mapping (pollIntervalSeconds, concurrency, webhookSecret, mirrors, rules)');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!FIELDS.includes(key)) fail(`.${key}`, `unknown field (expected ${FIELDS.join(', ')})`);
  const f = { fail: (field: string, problem: string): never => fail(`.${field}`, problem) };
  if (o.pollIntervalSeconds !== undefined) config.pollIntervalSeconds = parseSeconds(f, o.pollIntervalSeconds, 'pollIntervalSeconds');
  if (o.concurrency !== undefined) config.concurrency = parseSeconds(f, o.concurrency, 'concurrency', 256);
  if (o.webhookSecret !== undefined) {
    if (typeof o.webhookSecret !== 'string' || o.webhookSecret.trim() === '') fail('.webhookSecret', 'must be a non-empty string');
    if ((o.webhookSecret as string).length > 256 || unsafeTextProblem(o.webhookSecret as string)) fail('.webhookSecret', 'must be at most 256 characters, without control characters');
    config.webhookSecret = o.webhookSecret as string;
  }
  for (const [key, parse] of [['mirrors', parseMirrorDefinition], ['rules', parseRuleDefinition]] as const) {
    const list = o[key] ?? [];
    if (!Array.isArray(list)) fail(`.${key}`, 'must be a list');
    const seen = new Set<string>();
    (list as unknown[]).forEach((entry, i) => {
      const def = parse(entry, { where: file, prefix: `git.${key}[${i}].` });
      if (seen.has(def.name)) fail(`.${key}[${i}].name`, `"${def.name}" is defined twice`);
      seen.add(def.name);
      if (key === 'mirrors') config.mirrors.push(def as GitConfig['mirrors'][number]);
      else config.rules.push(def as GitConfig['rules'][number]);
    });
  }
  return config;
}
