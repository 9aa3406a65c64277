/**
 * What the console's browser tests (and `npm run screenshots`) share: Debian's Chromium
 * driven by playwright-core (no browser download: `/usr/bin/chromium`, or CHROMIUM_PATH),
 * and the console built once when `console/dist` is missing (npm test builds it first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { builtConsole, CONSOLE_DIST } from '../../api/console.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The built console's folder, building it first when it is not there. */
export function ensureConsoleBuilt(): string {
  const dir = builtConsole();
  if (dir) return dir;
  execFileSync('npm', ['run', '-s', 'build:console'], { stdio: 'inherit', cwd: path.resolve(CONSOLE_DIST, '..', '..') });
  return (
    builtConsole() ??
    (() => {
      throw new Error(`npm run build:console left no ${CONSOLE_DIST}/index.html`);
    })()
  );
}

export interface Browser {
  /** A fresh browser profile (its own user-data-dir, so its own cookies) at this viewport. */
  context(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Chromium, each context a separate process with a fresh user-data-dir under the system's temp folder. */
export function startBrowser(): Browser {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const open: { context: BrowserContext; dir: string }[] = [];
  return {
    async context(viewport = { width: 1366, height: 768 }) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'ce-chromium-'));
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ARGS,
        viewport,
        locale: 'zh-CN',
        timezoneId: 'Europe/London', // not China: the console must show China Standard Time whatever the browser's zone
      });
      // Fail fast and say where, rather than at the test's own timeout.
      context.setDefaultTimeout(15_000);
      context.on('weberror', (e) => console.error(`page error: ${e.error().message}`));
      context.on('console', (m) => {
        if (m.type() === 'error') console.error(`page console: ${m.text()}`);
      });
      open.push({ context, dir });
      return context;
    },
    async close() {
      for (const { context, dir } of open.splice(0)) {
        await context.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
