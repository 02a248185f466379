/**
 * How `weft dev` shows why a reload of the project failed: a syntax error (with the file, line and
 * column tsx's compiler reports), an import that does not resolve, a `DefinitionError` (naming the
 * asset and the field), or an error thrown while a module ran (with the project's stack frames).
 * Paths are shown relative to the project root and without the reload's generation queries.
 */
import { sep } from 'node:path';
import { WeftError } from '@weft/core';
import { withoutGenerations } from './fresh-modules.js';

/** A few lines saying what is wrong with the project as it is on disk now. */
export function describeLoadError(error: unknown, root: string): string {
  const plain = (text: string): string => {
    const prefix = root.endsWith(sep) ? root : root + sep;
    return withoutGenerations(text).replaceAll(`file://${prefix}`, '').replaceAll(prefix, '');
  };
  if (error instanceof WeftError) {
    const context = Object.entries(error.context)
      .filter(([, v]) => v !== undefined && typeof v !== 'object')
      .map(([k, v]) => `${k} ${String(v)}`);
    return `${plain(error.message)} (${error.code}${context.length > 0 ? `; ${context.join(', ')}` : ''})`;
  }
  if (!(error instanceof Error)) return plain(String(error));
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || code === 'ERR_UNSUPPORTED_DIR_IMPORT') return `import failed: ${plain(error.message)}`;
  // tsx (esbuild) reports a syntax error as "Transform failed with N error(s):\n<file>:<line>:<col>: ERROR: …".
  if (error.name === 'TransformError' || /^Transform failed/.test(error.message)) return `syntax error: ${plain(error.message.replace(/^Transform failed with \d+ errors?:\n/, ''))}`;
  if (error instanceof SyntaxError) return `syntax error: ${plain(firstProjectFrame(error, root) ?? '')}${firstProjectFrame(error, root) ? ': ' : ''}${plain(error.message)}`;
  // Thrown while a module ran: the message and the frames in the project's own files.
  const frames = (error.stack ?? '')
    .split('\n')
    .slice(1)
    .filter((line) => line.includes(root) && !line.includes(`${sep}node_modules${sep}`))
    .slice(0, 5)
    .map((line) => `    ${plain(line.trim())}`);
  return [`${error.name}: ${plain(error.message)}`, ...frames].join('\n');
}

function firstProjectFrame(error: Error, root: string): string | undefined {
  const line = (error.stack ?? '').split('\n').find((l) => l.includes(root));
  const match = line ? /((?:file:\/\/)?\/[^():\s]+(?::\d+){1,2})/.exec(line) : null;
  return match?.[1];
}
