/**
 * The test system, master side: the public face of src/testing. Built packages are installed and
 * tested in fresh roots by test nodes (src/node/test-task.ts); the master makes their test tasks,
 * reads the results, and tells signing which tests gate it.
 *
 * Terminology:
 * - test task: a task of kind `test` depending on one succeeded rpm task; a test node installs,
 *   checks, tests and removes each binary package of that rpm task, and reports per package and
 *   stage (install, integrity, tests, uninstall).
 * - newest test: an rpm task's test task with the highest id. A test run again is a new test task
 *   (the old one stays, with its logs); only the newest counts, for the build view and for
 *   signing.
 * - due tests: the test tasks the builds loop makes by itself, for builds that finished building
 *   while their platform tested packages (in the last day).
 * - test request: `build test`: test tasks for every rpm task never tested or whose newest test
 *   failed or was cancelled.
 */
export { NotTestableError } from './errors.ts';
export { ACTIVE_STATES, describeRpm, lockTestStates, testedRpms, type TestedRpm } from './results.ts';
export { addTestTask, createTestTasks, type NewTest, type TestWhen } from './tasks.ts';
export { requestTests, type TestRequest, type TestRequestEntry, type TestRequestResult } from './requests.ts';
