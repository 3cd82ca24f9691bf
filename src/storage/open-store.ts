/**
 * Opening the artifact store the settings name (store-settings.ts): the local directory, or an S3
 * bucket checked before anything else starts, so a wrong URL, endpoint or credentials stop the
 * master at once with one line saying what is wrong. Files a killed master left staged go.
 */
import { LocalStore } from './local-store.ts';
import { s3StagingDir, S3Store } from './s3-store.ts';
import type { StoreSettings } from './store-settings.ts';
import type { ArtifactStore } from './store.ts';

/** @throws StoreUnavailableError when the bucket does not answer */
export async function openStore(settings: StoreSettings, options: { dataDir: string; now?: () => number }): Promise<ArtifactStore> {
  if (settings.kind === 'local') {
    const local = new LocalStore(settings.dir);
    await local.removeStagedLeftovers();
    return local;
  }
  const store = new S3Store(settings, { stagingDir: s3StagingDir(options.dataDir), ...(options.now && { now: options.now }) });
  try {
    await store.check();
  } catch (e) {
    store.close();
    throw e;
  }
  await store.removeStagedLeftovers();
  return store;
}
