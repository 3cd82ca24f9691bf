/**
 * The shapes the UI reads from the API, as the server's own modules declare them (types only:
 * nothing of the server is bundled into the browser code).
 */
export type { NodeInfo } from '../auth/types.ts';
export type { CurrentTask, QueueRow, QueueView } from '../scheduler/queue.ts';
export type { ArtifactView, BuildPage, BuildSummary, BuildView, ItemView, LogChunk, RepositoryView, TaskView } from '../builds/index.ts';
export type { TestView } from '../builds/view.ts';
export type { Role } from '../db/schema.ts';
export type { EventView, MirrorInfo, PipelineView, Rule, SyncResult } from '../git/index.ts';
export type { LifecycleStatus } from '../platforms/lifecycle.ts';
export type { Platform } from '../platforms/types.ts';
export type { ChannelContent, ChannelPackage, ChannelView, CheckResult, ReleasePackageView, ReleaseView, VersionDetail, VersionView } from '../releases/index.ts';
export type { KeyView } from '../signing/keys.ts';
export type { AdvisoryPage, AdvisoryRecord, AdvisoryReference, AdvisoryState, AdvisorySummary, AdvisoryType, ReferenceInput, ReferenceType, Severity } from '../errata/index.ts';

import type { LifecycleStatus } from '../platforms/lifecycle.ts';
import type { Platform } from '../platforms/types.ts';
import type { Role } from '../db/schema.ts';

/** GET /platforms: each definition with its stored times and the computed lifecycle state. */
export type PlatformView = Platform & { createdAt: number; updatedAt: number; lifecycleStatus: LifecycleStatus };

/** GET /whoami. */
export type Whoami = { kind: 'anonymous' } | { kind: 'user'; name: string; role: Role } | { kind: 'node'; name: string };

/** Every error answer of the API. */
export interface ErrorBody {
  code: string;
  message: string;
}
