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

/** The signature a request carries and the forge that made it; null when unsigned. */
function signatureOf(headers: Headers): { forge: 'gitea' | 'github' | 'gitlab'; given: string } | null {
  const gitea = header(headers, 'x-forgejo-signature') ?? header(headers, 'x-gitea-signature');
  if (gitea !== undefined) return { forge: 'gitea', given: gitea.trim().toLowerCase() };
  const github = header(headers, 'x-hub-signature-256');
  if (github !== undefined) return { forge: 'github', given: github.trim().toLowerCase() };
  const gitlab = header(headers, 'x-gitlab-token');
  if (gitlab !== undefined) return { forge: 'gitlab', given: gitlab };
  return null;
}

/** Whether `signature` is right for `body` and `secret`, in constant time. */
function signedWith(signature: NonNullable<ReturnType<typeof signatureOf>>, body: Buffer, secret: string): boolean {
  if (signature.forge === 'gitlab') return sameSecret(signature.given, secret);
  const hmac = createHmac('sha256', secret).update(body).digest('hex');
  return sameSecret(signature.given, signature.forge === 'github' ? `sha256=${hmac}` : hmac);
}

function requireSignature(headers: Headers): NonNullable<ReturnType<typeof signatureOf>> {
  const signature = signatureOf(headers);
  if (signature === null) throw new WebhookSignatureError(true, 'missing webhook signature: send X-Gitea-Signature, X-Forgejo-Signature, X-Hub-Signature-256 or X-Gitlab-Token');
  return signature;
}

/**
 * Checks a webhook's signature against `secret`; returns the forge.
 * @throws WebhookSignatureError 401 when unsigned, 403 when wrong or when the mirror takes no webhooks
 */
export function verifyWebhook(headers: Headers, body: Buffer, secret: string | null, mirror: string): string {
  const signature = requireSignature(headers);
  if (secret === null) throw new WebhookSignatureError(false, `git mirror "${mirror}" takes no webhooks: it has no webhookSecret (nor does the git configuration)`);
  if (!signedWith(signature, body, secret)) throw new WebhookSignatureError(false, `wrong ${signature.forge} webhook signature for git mirror "${mirror}"`);
  return signature.forge;
}

/**
 * The mirrors a delivery to the global hook is for: those among `candidates` (the mirrors of the
 * URL it names) whose secret verifies it. Mirrors without a secret take no webhooks and are
 * skipped; one of them never makes the delivery fail for the others.
 * @throws WebhookSignatureError 401 when unsigned, 403 when no candidate's secret verifies it
 */
export function verifiedMirrors<T extends { name: string; secret: string | null }>(headers: Headers, body: Buffer, candidates: T[]): T[] {
  const signature = requireSignature(headers);
  const withSecret = candidates.filter((c) => c.secret !== null);
  if (withSecret.length === 0) throw new WebhookSignatureError(false, `no git mirror of this repository takes webhooks (${candidates.map((c) => c.name).join(', ')}: no webhookSecret, nor in the git configuration)`);
  const verified = withSecret.filter((c) => signedWith(signature, body, c.secret ?? ''));
  if (verified.length === 0) throw new WebhookSignatureError(false, `wrong ${signature.forge} webhook signature for the git mirrors of this repository (${withSecret.map((c) => c.name).join(', ')})`);
  return verified;
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
