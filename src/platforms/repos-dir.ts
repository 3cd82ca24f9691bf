/** Where this master keeps the repositories it serves for its platforms (`/api/v1/platform-repos/NAME/ARCH/`). */
import { join } from 'node:path';
import type { Context } from '../context.ts';

/** The URL path prefix of those repositories. */
export const PLATFORM_REPOS_PATH = '/api/v1/platform-repos/';

/** DIR of DIR/NAME/ARCH/ (setting `platformReposDir`, default DATA/platform-repos). */
export function platformReposDir(ctx: Context): string {
  return ctx.settings.platformReposDir ?? join(ctx.settings.dataDir, 'platform-repos');
}
