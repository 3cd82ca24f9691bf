/**
 * Autopatch (debranding): applies a package's actions from a patches repository to each upstream
 * import and publishes the result on our branch with a tag. The git service calls
 * importWithAutopatch; loadAutopatchConfig validates a config up front. Format: docs/autopatch.md.
 */
export { importWithAutopatch } from './import.ts';
export { loadAutopatchConfig } from './config.ts';
export { configCandidates } from './patches-repo.ts';
export { AutopatchActionError, AutopatchConfigError, AutopatchConflictError, AutopatchError } from './errors.ts';
export type { AutopatchAction, AutopatchConfig, AutopatchImport, AutopatchResult } from './types.ts';
