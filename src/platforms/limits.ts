import { MAX_GIT_URL_LENGTH } from '../util/git-url.ts';

/** Bounds on a definition (the API's JSON schema states the same ones). */
export const PLATFORM_LIMITS = {
  /** Characters of a short text field (distTag, lifecycle fields, refs). */
  text: 200,
  /** Characters of a URL or URL template. */
  url: MAX_GIT_URL_LENGTH,
  /** Characters of a macro name, and of its value. */
  macroName: 64,
  macroValue: 4096,
  macros: 256,
  repositories: 64,
  lookaside: 16,
  /** Entries of `buildroot.install` and `tests.install`. */
  install: 200,
} as const;
