/**
 * Push webhooks: the secret checked the way each forge signs (Gitea and Forgejo: X-Gitea-Signature
 * or X-Forgejo-Signature, hex HMAC-SHA256 of the body; GitHub: X-Hub-Signature-256, `sha256=HEX`;
 * GitLab: X-Gitlab-Token, the secret itself), always in constant time, and the repository URLs a
 * payload names (to find the mirror when the hook is not per mirror).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from './errors.ts';

export type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Which forge signed the request and whether the signature is right for `secret`; null when unsigned. */
function checkSignature(headers: Headers, body: Buffer, secret: string): { forge: string; ok: boolean } | null {
  const hmac = (): string => createHmac('sha256', secret).update(body).digest('hex');
  const gitea = header(headers, 'x-forgejo-signature') ?? header(headers, 'x-gitea-signature');
  if (gitea !== undefined) return { forge: 'gitea', ok: sameSecret(gitea.trim().toLowerCase(), hmac()) };
  const github = header(headers, 'x-hub-signature-256');
  if (github !== undefined) return { forge: 'github', ok: sameSecret(github.trim().toLowerCase(), `sha256=${hmac()}`) };
  const gitlab = header(headers, 'x-gitlab-token');
  if (gitlab !== undefined) return { forge: 'gitlab', ok: sameSecret(gitlab, secret) };
  return null;
}

/**
 * Checks a webhook's signature against `secret`; returns the forge.
 * @throws WebhookSignatureError 401 when unsigned, 403 when wrong or when the mirror takes no webhooks
 */
export function verifyWebhook(headers: Headers, body: Buffer, secret: string | null, mirror: string): string {
  if (secret === null) throw new WebhookSignatureError(false, `git mirror "${mirror}" takes no webhooks: it has no webhookSecret (nor does the git configuration)`);
  const r = checkSignature(headers, body, secret);
  if (r === null) throw new WebhookSignatureError(true, 'missing webhook signature: send X-Gitea-Signature, X-Forgejo-Signature, X-Hub-Signature-256 or X-Gitlab-Token');
  if (!r.ok) throw new WebhookSignatureError(false, `wrong ${r.forge} webhook signature for git mirror "${mirror}"`);
  return r.forge;
}

/** The repository URLs a push payload names (Gitea/Forgejo, GitHub: repository.*; GitLab: project.*). */
export function payloadUrls(payload: unknown): string[] {
  const urls: string[] = [];
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  for (const key of ['repository', 'project']) {
    const o = p[key];
    if (typeof o !== 'object' || o === null) continue;
    for (const field of ['clone_url', 'html_url', 'ssh_url', 'git_url', 'git_http_url', 'git_ssh_url', 'web_url', 'url']) {
      const v = (o as Record<string, unknown>)[field];
      if (typeof v === 'string' && v !== '') urls.push(v);
    }
  }
  return urls;
}

/** A repository URL reduced to host and path: scheme, user, trailing `/` and `.git` dropped; scp-like `git@host:path` too. */
export function repoKey(url: string): string {
  const scp = /^[^@/:]+@([^:/]+):(.*)$/.exec(url);
  const hostPath = scp ? `${scp[1] ?? ''}/${scp[2] ?? ''}` : url.replace(/^[a-z+]+:\/\//i, '').replace(/^[^@/]*@/, '');
  return hostPath.replace(/\/+$/, '').replace(/\.git$/, '').toLowerCase();
}
