/**
 * The explicit context every service function takes: built once at start (`distforge server`,
 * `distforge up`, tests) and passed in; no module-level singletons.
 *
 * Terminology:
 * - data directory: where the embedded defaults live (SQLite file, artifact store, git caches,
 *   published build repositories, admin token).
 */
import type { Logger } from 'pino';
import type { Db } from './db/connection.ts';
import type { ArtifactStore } from './storage/store.ts';

export interface ServerSettings {
  /** Absolute URL clients and nodes reach the master at, e.g. http://127.0.0.1:8080 (no trailing slash). */
  publicUrl: string;
  dataDir: string;
  /** How long a lease lasts without a heartbeat. */
  leaseMs: number;
  /** Attempts before an expiring task fails. */
  maxAttempts: number;
  /**
   * Repositories this master serves for platforms to install build roots from (the bootstrap
   * repository of the example platform): DIR/NAME/ARCH/ at /api/v1/platform-repos/NAME/ARCH/.
   * Default DATA/platform-repos.
   */
  platformReposDir?: string;
  /**
   * A directory the release repositories are exported to (hard links, for a plain web server or
   * rsync mirrors), kept in step with what is published; unset: no export.
   */
  releaseExportDir?: string;
  /**
   * While set, the master is still starting (`distforge up` making the bootstrap repository and
   * its first root): every API call but the health check is answered 503 `starting` with this
   * message, so nothing is submitted before the system can run it.
   */
  starting?: string;
}

export interface Context {
  db: Db;
  store: ArtifactStore;
  log: Logger;
  /** Milliseconds since the epoch (tests may move time). */
  now: () => number;
  settings: ServerSettings;
}
