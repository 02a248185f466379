/** Where the built web UI is (`ui/dist` of @weft/ui), if it has been built. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The UI's build folder, or null with the reason it cannot be served. */
export function builtUi(): { dir: string; reason?: undefined } | { dir: null; reason: string } {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('@weft/ui/package.json'));
  } catch {
    return { dir: null, reason: '@weft/ui is not installed' };
  }
  const dir = process.env['WEFT_UI_DIR'] ?? join(root, 'dist');
  if (!existsSync(join(dir, 'index.html'))) return { dir: null, reason: `the UI is not built (${join(dir, 'index.html')} is missing): run \`npm run build -w @weft/ui\`` };
  return { dir };
}
