/**
 * What each command group does, in the order `distforge --help` lists them: data only, so that
 * an entry point that loads one group (repo-main.ts) describes it as main.ts does.
 */
export const GROUP_SUMMARIES = {
  rpm: 'read, verify, sign and unpack RPM files',
  repo: 'create and check dnf repositories',
  server: 'run the distforge master (REST API under /api/v1) until interrupted',
  node: 'build nodes of a distforge server',
  platform: 'platforms of a distforge server',
  token: 'API tokens of a distforge server',
  build: 'submit and follow builds',
  up: 'run the master and a build node on embedded defaults (SQLite, local store)',
  git: 'upstream git mirrors: list, sync, show, add',
  sources: "source files in distforge's lookaside store: upload",
  key: 'signing keys: generate, import (a key store), list, allow (the master)',
  signer: 'run the sign server: holds the keys, signs packages the master asks it to',
  bootstrap: 'the bootstrap platform: an EL9-like build root repository made from Debian packages',
  release: 'plan, check, commit and revert releases: versioned, signed dnf repositories of a platform',
  errata: 'advisories: create, update, approve, retract, list, show (OSV)',
  store: "the artifact store's housekeeping on a distforge server",
} as const;

export type GroupName = keyof typeof GROUP_SUMMARIES;
