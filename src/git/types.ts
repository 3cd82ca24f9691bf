/**
 * The git service's types: upstream mirrors, rules, events and the package pipeline.
 *
 * Terminology:
 * - mirror: a bare copy of one upstream repository (DATA/git/mirrors/NAME.git) holding its
 *   branches and tags, with its refs recorded in the database; served read-only at
 *   /git/NAME.git. Its name is the package's name.
 * - ours: the repository our autopatched branch and tags go to (DATA/git/ours/NAME.git), served
 *   at /git/ours/NAME.git.
 * - sync: looking at the upstream's refs (git ls-remote, or the files of a local repository),
 *   fetching only when they differ from the recorded ones, and recording what changed. The first
 *   sync of a mirror is its baseline: it records refs and makes no events.
 * - event: a tag or branch head that appeared or moved upstream, seen by a poll, a webhook or a
 *   manual sync. Each event that a rule matches becomes a build (recorded on the event).
 * - rule: maps refs (a tag or branch glob, over every mirror or a list) to platforms, optionally
 *   through autopatch (patches repository + ref, our branch).
 */

/** How a rule's builds go through autopatch. */
export interface AutopatchSpec {
  /** Patches repository (`{package}` is replaced by the mirror's name); absent: the import is published unchanged. */
  repo?: string;
  /** Ref of the patches repository (default main). */
  ref?: string;
  /** Our branch, e.g. a9. */
  branch: string;
  /** Prefix of our tags (default changed/BRANCH). */
  tagPrefix?: string;
}

export interface RuleDefinition {
  name: string;
  /** Exactly one of tag and branch: a glob over tag or branch names (`*` any characters, `?` one). */
  tag?: string;
  branch?: string;
  /** Mirror names the rule applies to; absent: every mirror. */
  mirrors?: string[];
  platforms: string[];
  autopatch?: AutopatchSpec;
}

export interface Rule extends RuleDefinition {
  id: number;
  createdAt: number;
  updatedAt: number;
}

export interface MirrorDefinition {
  name: string;
  url: string;
  webhookSecret?: string;
  /** Seconds between polls of this mirror (default: the service's pollIntervalSeconds). */
  pollIntervalSeconds?: number;
}

export interface MirrorInfo {
  name: string;
  url: string;
  /** Where to clone it from: PUBLIC_URL/git/NAME.git. */
  cloneUrl: string;
  /** Its push webhook: PUBLIC_URL/api/v1/git/hooks/NAME. */
  webhookUrl: string;
  hasWebhookSecret: boolean;
  pollIntervalSeconds: number | null;
  createdAt: number;
  syncedAt: number | null;
  nextPollAt: number;
  failures: number;
  lastError: string | null;
  refs: number;
}

/** The `git:` section of the server configuration. */
export interface GitConfig {
  /** Seconds between polls of a mirror (default 300). */
  pollIntervalSeconds: number;
  /** Mirrors synced at once, at most (default 4). */
  concurrency: number;
  /** Secret of every mirror's webhooks that has none of its own. */
  webhookSecret?: string;
  mirrors: MirrorDefinition[];
  rules: RuleDefinition[];
}


/** How a sync was started. */
export type SyncVia = 'poll' | 'webhook' | 'sync';

/** What one sync found. */
export interface SyncResult {
  mirror: string;
  /** Whether the upstream's refs differed from the recorded ones (and a fetch ran). */
  changed: boolean;
  /** True for the first sync (refs recorded, no events). */
  baseline: boolean;
  /** Refs that appeared or moved: one event each. */
  events: { id: number; ref: string; commit: string; rule: string | null }[];
  /** Refs gone upstream (removed from the mirror). */
  deleted: string[];
}

export interface EventView {
  id: number;
  mirror: string;
  ref: string;
  oldCommit: string | null;
  commit: string;
  via: string;
  at: number;
  rule: string | null;
  status: string;
  message: string | null;
  ourRef: string | null;
  ourCommit: string | null;
  buildId: number | null;
}

/** A package's pipeline: upstream ref → our ref → build → tasks, newest first. */
export interface PipelineView {
  package: string;
  mirror: MirrorInfo;
  refs: { name: string; commit: string }[];
  pipeline: (EventView & {
    /**
     * The build and its tasks; `signed` once every package is signed (`signedAt`: when the last
     * was), `released` once a release holding it is released (`releasedIn`: those releases, newest
     * first), as the builds feed shows them.
     */
    build: {
      id: number;
      state: string;
      signed: boolean;
      signedAt: number | null;
      released: boolean;
      releasedIn: number[];
      tasks: { id: number; platform: string; arch: string; kind: string; state: string }[];
    } | null;
  })[];
}

/** Counts of one polling cycle (bench/git-poll.ts prints them). */
export interface CycleStats {
  mirrors: number;
  changed: number;
  failed: number;
  /** git processes spawned. */
  processes: number;
}
