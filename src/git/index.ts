/**
 * The git service: the public face of src/git. Upstream repositories are mirrored under the data
 * directory and served read-only over smart HTTP; their refs are polled (or pushed to us by
 * webhooks), and a new tag or branch head that a rule matches becomes a build by itself, through
 * autopatch when the rule says so. See types.ts for the terminology and docs/git.md.
 */
export type { AutopatchSpec, CycleStats, EventView, GitConfig, MirrorDefinition, MirrorInfo, PipelineView, Rule, RuleDefinition, SyncResult, SyncVia } from './types.ts';
export { GitDefinitionError, UnknownMirrorError, WebhookSignatureError } from './errors.ts';
export { parseGitConfig } from './config.ts';
export { parseMirrorDefinition, parseRuleDefinition } from './validate.ts';
export { deleteMirror, getMirror, getMirrorRow, listMirrors } from './mirror-store.ts';
export { deleteRule, getRule, listRules, saveRule } from './rule-store.ts';
export { applyGitConfig, receiveWebhook, registerMirrors, syncMirrorNow } from './service.ts';
export { listEvents, packagePipeline } from './pipeline.ts';
export { pollDueMirrors, startGitPoller, type GitPoller } from './poller.ts';
export { processPendingEvents, SERVICE_USER } from './events.ts';
export { gitRoot, mirrorDir, oursDir } from './mirror-repo.ts';
export { ensureMirror, ensureOurs, saveOurs } from './local-copies.ts';
export { runHttpBackend, type CgiRequest, type CgiResponse } from './http-backend.ts';
export { gitSettings, type GitSettings } from './settings.ts';
