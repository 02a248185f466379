/**
 * The UI's browser tests: the UI built from its sources, served by the real API server on the real
 * PostgreSQL store and the Temporal dev server, with real workers running a pipeline, driven in
 * Debian's Chromium by playwright-core. Screenshots go to `ui/test/artifacts/<name>.png`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Definition } from '@weft/core';
import { startApiServer, type ApiServer } from '@weft/graphql';
import { fsStorage } from '@weft/plugin-fs';
import { CHROMIUM_FLAGS, findChromium } from '@weft/services';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { migrate, pgDatabase, ProvenanceStore } from '@weft/store';
import { startWeftWorker, type WeftWorker } from '@weft/workers';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { cleanUpLocation } from '../../workers/test/e2e/loop-probe.js';

const UI_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = join(UI_ROOT, 'test', 'artifacts');

/** Builds the UI from its sources into a fresh folder (what `weft server` serves from ui/dist). */
export function buildUi(): string {
  const out = mkdtempSync(join(tmpdir(), 'weft-ui-dist-'));
  execFileSync(process.execPath, [join(UI_ROOT, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { cwd: UI_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

export interface UiStack {
  readonly url: string;
  readonly store: ProvenanceStore;
  readonly server: ApiServer;
  readonly worker: WeftWorker;
  readonly browser: Browser;
  readonly location: string;
  /** A new browser context (its own sessionStorage) with a page on `path`; logs in with `token` when given. */
  open(path: string, options?: { token?: string }): Promise<{ context: BrowserContext; page: Page }>;
  /** Saves a full-page screenshot as `ui/test/artifacts/<name>.png`. */
  screenshot(page: Page, name: string): Promise<string>;
  /** Browser console errors and failed requests seen so far (a page must produce none). */
  readonly problems: string[];
}

export interface UiStackOptions {
  readonly location: string;
  readonly definitions: Definition[];
  readonly auth?: 'tokens' | 'off';
  /** The workers' and the API's clock. @default Date.now */
  readonly now?: () => number;
}

/**
 * Registers beforeAll/afterAll that start the whole stack for one test file; the returned
 * object is filled in by beforeAll.
 */
export function useUiStack(options: UiStackOptions): UiStack {
  const db = useTestDatabase();
  const temporal = useTemporal();
  const objects = mkdtempSync(join(tmpdir(), 'weft-ui-objects-'));
  const stack = { problems: [] as string[], location: options.location } as { -readonly [K in keyof UiStack]: UiStack[K] };
  let pool: ReturnType<typeof db.pool> | undefined;
  let dist: string | undefined;
  const taskQueue = () => `${temporal.taskQueue}-${options.location}`;

  beforeAll(async () => {
    dist = buildUi();
    pool = db.pool({ max: 10 });
    const sql = pgDatabase(pool, { ownsPool: false });
    await migrate(sql);
    stack.store = new ProvenanceStore(sql, options.location);
    stack.worker = await startWeftWorker({
      location: options.location,
      store: stack.store,
      definitions: options.definitions,
      storage: fsStorage({ root: objects }),
      connection: await temporal.nativeConnection(),
      client: temporal.client,
      taskQueue: taskQueue(),
      workflowBundle: temporal.workflowBundle,
      scheduleSources: false,
      heartbeatTimeoutMs: 3000,
      ...(options.now ? { now: options.now } : {}),
    });
    stack.server = await startApiServer({
      db: sql,
      auth: options.auth ?? 'off',
      defaultLocation: options.location,
      temporal: { client: temporal.client, taskQueue: () => taskQueue() },
      uiDir: dist,
      production: true,
      log: (entry) => {
        if (entry['level'] === 'error') stack.problems.push(`server: ${JSON.stringify(entry)}`);
      },
      ...(options.now ? { now: options.now } : {}),
    });
    stack.url = stack.server.url;
    stack.browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_FLAGS], headless: true });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await stack.browser?.close().catch(() => {});
    await stack.server?.close();
    await stack.worker?.shutdown();
    if (stack.store) await cleanUpLocation({ store: stack.store, client: temporal.client, location: options.location, taskQueue: taskQueue(), assets: [] }).catch(() => {});
    await pool?.end();
    rmSync(objects, { recursive: true, force: true });
    if (dist) rmSync(dist, { recursive: true, force: true });
  }, 120_000);

  stack.open = async (path, o = {}) => {
    const context = await stack.browser.newContext({ viewport: { width: 1400, height: 900 } });
    if (o.token) await context.addInitScript((t) => sessionStorage.setItem('weft.token', t), o.token);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') stack.problems.push(`console on ${path}: ${m.text()}`);
    });
    page.on('pageerror', (e) => stack.problems.push(`page error on ${path}: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith(stack.url)) stack.problems.push(`request outside the Weft server: ${r.url()}`);
    });
    await page.goto(`${stack.url}${path}`);
    return { context, page };
  };
  stack.screenshot = async (page, name) => {
    const file = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  return stack;
}

/** Polls `probe` until it returns something other than false/undefined. */
export async function waitFor<T>(what: string, probe: () => Promise<T | false | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== false && value !== undefined) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await sleep(250);
  }
}
