/**
 * Platforms: the public face of src/platforms (types, validation, YAML files, storage).
 * See types.ts for the terminology.
 */
export { acceptsNoarch, ARCHES, buildArches, type Arch, type Platform, type PlatformLifecycle, type PlatformRepository, type StoredPlatform } from './types.ts';
export { AlreadyExistsError, ConflictError, InvalidNameError, PlatformDefinitionError, isUniqueViolation } from './errors.ts';
export { checkName, nameProblem, MAX_NAME_LENGTH } from './names.ts';
export { parsePlatform, type DefinitionSource } from './validate.ts';
export {
  EndOfLifeError,
  LIFECYCLE_STATES,
  lagDays,
  lifecycleStatus,
  platformLifecycleState,
  refuseIfEndOfLife,
  utcDay,
  withLifecycleStatus,
  type LifecycleState,
  type LifecycleStatus,
} from './lifecycle.ts';
export { ConfigError, loadPlatformFile, parseYaml, readText } from './config.ts';
export { createPlatform, deletePlatform, findPlatform, getPlatform, listPlatforms, platformFromRow, savePlatform } from './store.ts';
