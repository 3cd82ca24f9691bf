/**
 * Errors of the build node. A {@link BuildFailedError} is the package's fault (its reason goes to
 * the master as the task's failure reason); an {@link ArchNotBuildableError} means this node must
 * refuse the task so that another node takes it.
 */
import { DistforgeError } from '../errors.ts';
import type { BuildrootRecord } from './buildroot/task-root.ts';

/** The build ran and failed: a missing build dependency, a failing %build, no spec file … */
export class BuildFailedError extends DistforgeError {
  /** The build log, when there is one. */
  readonly logPath: string | null;
  /** The build root it failed in (srpm and rpm tasks), once made: recorded with the failure. */
  buildroot: BuildrootRecord | null = null;

  constructor(reason: string, options?: { logPath?: string | null; cause?: unknown }) {
    super('build_failed', reason, { status: 422, cause: options?.cause });
    this.logPath = options?.logPath ?? null;
  }
}

/** The task asks for an arch this host cannot really build. */
export class ArchNotBuildableError extends DistforgeError {
  constructor(readonly arch: string, buildable: readonly string[]) {
    super('arch_not_buildable', `cannot build for ${arch} on this node: it builds only ${buildable.join(', ')} (rpmbuild --target would mislabel host code)`, {
      status: 422,
    });
  }
}

/** The master answered the node API with an error. */
export class NodeApiError extends DistforgeError {
  /** The master's own message (its `message` field), when it answered with one. */
  readonly masterMessage: string | null;
  constructor(readonly httpStatus: number, message: string, options?: { cause?: unknown; masterMessage?: string }) {
    super('node_api', message, { status: 502, cause: options?.cause });
    this.masterMessage = options?.masterMessage ?? null;
  }
}

/** A download whose content is not what the master recorded (its sha256 differs). */
export class DownloadChecksumError extends NodeApiError {
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(502, `GET ${url}: sha256 ${got}, expected ${expected}`);
  }
}

/** The master took the task back (a heartbeat got 409): stop working on it. */
export class LeaseLostError extends DistforgeError {
  constructor(taskId: number) {
    super('lease_lost', `task ${taskId}: the lease was lost`, { status: 409 });
  }
}
