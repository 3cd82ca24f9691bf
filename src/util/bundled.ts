/**
 * Whether this code runs bundled by bin/distforge (an .mjs or .cjs file under .build/, where each
 * worker thread's module is a .cjs file of its own) rather than from the TypeScript sources
 * through tsx (tests, library use). The CommonJS bundles are given `import.meta.url` by esbuild.
 */
export const BUNDLED = /\.[cm]js$/.test(import.meta.url);
