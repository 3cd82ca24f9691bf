/** The tables of the git service (migration 0005), on top of src/db/schema.ts. */
import type { Generated, Kysely, Selectable } from 'kysely';
import type { Context } from '../context.ts';
import type { Database, Millis } from '../db/schema.ts';

export interface GitMirrorsTable {
  id: Generated<number>;
  /** Also the package name and the path it is served at: /git/NAME.git. */
  name: string;
  /** The upstream repository (anything `git ls-remote` accepts). */
  url: string;
  /** Secret of this mirror's push webhooks (else the configuration's `webhookSecret`). */
  webhook_secret: string | null;
  /** Seconds between two polls of this mirror; null: the service's interval. */
  poll_interval_s: number | null;
  created_at: Millis;
  updated_at: Millis;
  /** Last successful sync; null until the first one (the baseline: it makes no events). */
  synced_at: Millis | null;
  /** When the poller looks at it next (spread with jitter; pushed back after failures). */
  next_poll_at: Millis;
  /** Failed syncs in a row (the backoff's exponent). */
  failures: number;
  last_error: string | null;
  /** A sync holds the mirror until then (one sync per mirror at a time, across replicas). */
  sync_until: Millis | null;
  /** Which master holds it (its public URL and process id; migration 0016). */
  sync_by: string | null;
}

export interface GitMirrorRefsTable {
  mirror_id: number;
  /** Full ref name: refs/heads/c9, refs/tags/imports/c9/hello-1.0-1.el9. */
  name: string;
  /** What the ref points at (a commit, or an annotated tag object). */
  target: string;
  /** The commit it names (annotated tags peeled). */
  commit: string;
}

export interface GitRulesTable {
  id: Generated<number>;
  name: string;
  /** 'tag' or 'branch'. */
  kind: string;
  /** Glob over the tag or branch name: `*` any characters, `?` one. */
  pattern: string;
  /** JSON array of mirror names, or null for every mirror. */
  mirrors: string | null;
  /** JSON array of platform names. */
  platforms: string;
  /** JSON {repo, ref, branch, tagPrefix?} or null (build from the mirror). */
  autopatch: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface GitEventsTable {
  id: Generated<number>;
  mirror_id: number;
  /** The upstream ref that appeared or moved. */
  ref: string;
  old_commit: string | null;
  new_commit: string;
  /** 'poll', 'webhook' or 'sync' (a manual `git sync`). */
  via: string;
  at: Millis;
  /** The rule that matched; null when none did. */
  rule_id: number | null;
  /** 'pending' → 'submitting' → 'submitted' | 'failed'; 'ignored' when no rule matched. */
  status: string;
  message: string | null;
  /** Our ref (autopatched repository) and its commit, when the rule autopatches. */
  our_ref: string | null;
  our_commit: string | null;
  build_id: number | null;
  /** While `submitting`: how long the master that claimed it holds it (migration 0016). */
  claimed_until: Millis | null;
}

/** Our autopatched repository NAME as a git bundle in the artifact store (migration 0016). */
export interface GitOursBundlesTable {
  name: string;
  sha256: string;
  /** sha256 of its refs (`for-each-ref` output): a master whose copy's differs fetches the bundle. */
  refs_sha256: string;
  updated_at: Millis;
}

export type GitDatabase = Database & {
  git_mirrors: GitMirrorsTable;
  git_mirror_refs: GitMirrorRefsTable;
  git_rules: GitRulesTable;
  git_events: GitEventsTable;
  git_ours_bundles: GitOursBundlesTable;
};

export type MirrorRow = Selectable<GitMirrorsTable>;
export type RuleRow = Selectable<GitRulesTable>;
export type EventRow = Selectable<GitEventsTable>;

/** The database seen with the git service's tables. */
export function gitDb(ctx: Context): Kysely<GitDatabase> {
  return ctx.db.kysely as unknown as Kysely<GitDatabase>;
}
