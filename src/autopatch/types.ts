/**
 * Types of the autopatch (debranding) library: the import request and result the git service
 * uses, and the validated form of a package's autopatch config.
 *
 * Terminology:
 * - upstream import: a commit of the upstream (mirror) repository, named by a full ref such as
 *   `refs/tags/imports/c9/hello-1.0-1.el9`.
 * - patches repository: a git repository holding, per package, an autopatch config (a YAML list of
 *   actions) and the files those actions use (patches, scripts).
 * - package tree: the work tree of the upstream import that the actions change.
 * - sources dir: where the package's sources live: `SOURCES/` when the spec is in `SPECS/`,
 *   otherwise the tree root beside the spec.
 * - our branch: the branch (e.g. `a9`) receiving one commit per patched import, each tagged
 *   `<tagPrefix>/<NVR>` (default prefix `changed/<branch>`).
 */

/** What the git service asks for: one upstream import to patch and publish. */
export interface AutopatchImport {
  /** Path or URL of the upstream (mirror) repository. */
  upstreamRepo: string;
  /** Full ref, e.g. `refs/tags/imports/c9/hello-1.0-1.el9`. */
  upstreamRef: string;
  packageName: string;
  /** Patches repository (path or URL) and ref; null: the import is published unchanged. */
  patches: { repo: string; ref: string } | null;
  /** Bare repository receiving our branch and tag; created if missing. */
  targetRepo: string;
  /** Our branch, e.g. `a9`. */
  branch: string;
  /** Tag prefix; default `changed/<branch>`. */
  tagPrefix?: string;
  /** Scratch directory (a private subdirectory is made and removed inside it). */
  workDir: string;
}

/** What was published (or found already published, for a repeated import). */
export interface AutopatchResult {
  commit: string;
  /** Full tag name, e.g. `changed/a9/hello-1.0-1.el9.alma.1`. */
  tag: string;
  branch: string;
  nvr: string;
  /** One line per action applied. */
  applied: string[];
}

/** A file target: the spec or a path relative to the sources dir. */
export type Target = 'spec' | string;

export interface ReplaceAction {
  kind: 'replace';
  target: Target;
  find: string;
  replace: string;
  regex: boolean;
  /** Exact number of matches required. */
  count: number;
}

export interface DeleteLineAction {
  kind: 'delete_line';
  target: Target;
  /** Whole lines to delete; each must occur at least once. */
  lines: string[];
  regex: boolean;
}

export interface AddLineAction {
  kind: 'add_line';
  target: Target;
  lines: string[];
  /** Where: after or before the (first) line equal to / matching `anchor`, or at the top/bottom. */
  position: 'after' | 'before' | 'top' | 'bottom';
  anchor: string | null;
  regex: boolean;
}

export interface ModifyReleaseAction {
  kind: 'modify_release';
  /** Ends in a number, e.g. `.alma.1`. */
  suffix: string;
}

export interface ChangelogEntryAction {
  kind: 'changelog_entry';
  author: string;
  email: string;
  /** YYYY-MM-DD; null: the upstream commit's date. */
  date: string | null;
  lines: string[];
}

export interface AddFileAction {
  kind: 'add_files';
  type: 'patch' | 'source';
  /** Path in the patches repository, relative to the config's directory. */
  file: string;
  /** Name in the sources dir; default: the file's base name. */
  name: string;
  /** PatchN/SourceN number; null: one more than the highest present. */
  number: number | null;
}

export interface DeleteFilesAction {
  kind: 'delete_files';
  /** Paths relative to the sources dir. */
  files: string[];
}

export interface RunScriptAction {
  kind: 'run_script';
  /** Path in the patches repository, relative to the config's directory. */
  script: string;
  args: string[];
  /** Time limit in seconds. */
  timeout: number;
}

export type AutopatchAction =
  | ReplaceAction
  | DeleteLineAction
  | AddLineAction
  | ModifyReleaseAction
  | ChangelogEntryAction
  | AddFileAction
  | DeleteFilesAction
  | RunScriptAction;

export type ActionKind = AutopatchAction['kind'];

/** A validated autopatch config. */
export interface AutopatchConfig {
  /** The config file's name, used in error messages. */
  file: string;
  actions: AutopatchAction[];
}
