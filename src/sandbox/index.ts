/**
 * The sandbox: how distforge runs anything that evaluates what a user or an upstream sent (spec
 * files, build scripts, autopatch scripts), on a node or on the master. A library folder: it
 * imports nothing of the app.
 *
 * Terminology:
 * - sandbox: a bubblewrap container with its own namespaces, the host's /usr read-only and only the
 *   mounts its caller gives (bwrap.ts);
 * - sandbox user: the unprivileged uid/gid the command runs as (user.ts);
 * - limits: rlimits applied to the command (limits.ts).
 */
export { bwrapArgs, hostUsrArgs, ROOT_MOUNT, type SandboxMount, type SandboxSpec } from './bwrap.ts';
export { BUILD_LIMITS, limitArgs, SPEC_EVALUATION_LIMITS, type SandboxLimits } from './limits.ts';
export { runSandboxed, type SandboxRunOptions, type SandboxRunResult } from './run.ts';
export { DEFAULT_SANDBOX_ID, giveToSandbox, identityFiles, sandboxUser, type SandboxUser } from './user.ts';
