/**
 * The git service's settings travel in the context (`ctx.settings.git`, set at start from the
 * configuration file's `git:` section): the poll interval, how many mirrors sync at once, and the
 * webhook secret of mirrors without their own.
 */
import type { Context } from '../context.ts';

export interface GitSettings {
  pollIntervalSeconds: number;
  concurrency: number;
  webhookSecret?: string;
}

declare module '../context.ts' {
  interface ServerSettings {
    /** The git service's settings (defaults when absent). */
    git?: GitSettings;
  }
}

export const DEFAULT_GIT_SETTINGS: GitSettings = { pollIntervalSeconds: 300, concurrency: 4 };

export function gitSettings(ctx: Context): GitSettings {
  return ctx.settings.git ?? DEFAULT_GIT_SETTINGS;
}
