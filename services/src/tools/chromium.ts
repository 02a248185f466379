import { ToolMissingError } from '../errors.js';
import { isExecutable, run, which } from '../exec.js';

/**
 * Finds Debian's Chromium for the UI tests: CHROMIUM_PATH, then /usr/bin/chromium, then PATH.
 * (Playwright's own browser download cannot work offline; playwright-core drives this binary.)
 */
export function findChromium(): string {
  const explicit = process.env['CHROMIUM_PATH'];
  if (explicit) {
    if (!isExecutable(explicit)) throw new ToolMissingError('Chromium', `CHROMIUM_PATH=${explicit} is not an executable file.`);
    return explicit;
  }
  const found = ['/usr/bin/chromium'].find(isExecutable) ?? which('chromium') ?? which('chromium-browser');
  if (found) return found;
  throw new ToolMissingError('Chromium', 'not found; install it with `apt-get update && apt-get install -y chromium`, or set CHROMIUM_PATH.');
}

/** The launch flags that work on these sandboxed, offline machines (as root, headless). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** `Chromium 156.0.8078.73 built on Debian …` */
export async function chromiumVersion(path: string): Promise<string> {
  return (await run(path, ['--version'])).trim();
}
