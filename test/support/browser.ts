/**
 * A real Chromium for the web UI's tests: Debian's `chromium` package driven by playwright-core
 * (no browser is downloaded), a profile in a temporary directory of our own that is removed when
 * the browser closes and, whatever happens, when the test process exits; axe-core run in the page
 * for accessibility; screenshots for the README written to docs/img/.
 *
 * ```ts
 * const browser = await startBrowser();
 * after(() => browser.close());
 * const page = await browser.page(server.url);
 * await signIn(page, token);
 * assert.deepEqual(await seriousViolations(page), []);
 * ```
 */
import { rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { findUiSources, uiSourceKey } from '../../src/server/ui-bundle.ts';
import { exitTempDir } from './exit-temp-dir.ts';
import { pngText, withPngText } from './png-text.ts';

/** Debian's chromium (scripts/setup.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';
/** Where the README's screenshots go. */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../docs/img');

export interface UiBrowser {
  context: BrowserContext;
  /** A new tab at `url` (and its console errors, for tests that check there are none). */
  /** A new page at `url`; `clock`: with Playwright's fake clock installed first (page.clock.runFor moves it). */
  page(url: string, options?: { width?: number; height?: number; clock?: boolean }): Promise<Page & { errors: string[] }>;
  close(): Promise<void>;
}

/** Starts Chromium headless with a fresh profile (no session storage shared with other browsers). */
export async function startBrowser(): Promise<UiBrowser> {
  const profile = exitTempDir('distforge-chromium-');
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      // Chromium's own sandbox needs user namespaces it cannot have when the tests run as root in
      // a container; the pages it opens are our own UI on 127.0.0.1.
      chromiumSandbox: false,
      viewport: { width: 1280, height: 900 },
      // Its temporary files go to the profile's directory, removed with it.
      env: { ...process.env, TMPDIR: profile },
      args: ['--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async page(url, options = {}) {
      const page = (await context.newPage()) as Page & { errors: string[] };
      page.errors = [];
      page.on('console', (m) => {
        if (m.type() === 'error') page.errors.push(m.text());
      });
      page.on('pageerror', (e) => page.errors.push(e.message));
      if (options.width !== undefined) await page.setViewportSize({ width: options.width, height: options.height ?? 800 });
      if (options.clock) await page.clock.install();
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in on the sign-in page with `token`; waits until the header names the user. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

let axeSource: Promise<string> | null = null;

/**
 * axe-core's violations of impact serious or critical on the page as it is now, one line each
 * (rule, impact, the first offending element). axe is evaluated through the DevTools protocol,
 * which the page's content security policy does not govern.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(await axeSource);
  const results = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
  };
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`);
}

/** Whether the page is wider than its window (a phone-width page must not scroll sideways). */
export async function overflowsSideways(page: Page): Promise<boolean> {
  return (await page.evaluate('document.documentElement.scrollWidth > document.documentElement.clientWidth + 1')) as boolean;
}

/** The tEXt keyword of a screenshot's UI source key. */
export const SCREENSHOT_KEY = 'distforge-ui-sources';

/**
 * Takes a screenshot of the page for docs/img/NAME.png (the README shows them). The file is
 * rewritten only when the UI's sources changed since it was made (their key, uiSourceKey, is
 * kept in the PNG), or with DISTFORGE_SCREENSHOTS=always: times and ids differ on every run, and
 * a test run should not leave the working tree changed when the UI did not.
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const png = await page.screenshot({ fullPage: options.fullPage ?? false, animations: 'disabled' });
  const root = findUiSources();
  if (!root) throw new Error('screenshot: cannot find the UI sources (src/ui)');
  const key = uiSourceKey(root);
  const path = join(SCREENSHOTS, `${name}.png`);
  const old = await readFile(path).catch(() => null);
  if (old && process.env.DISTFORGE_SCREENSHOTS !== 'always' && pngText(old, SCREENSHOT_KEY) === key) return;
  await writeFile(path, withPngText(png, SCREENSHOT_KEY, key));
}
