/**
 * The file that called a definition function, read from the stack (source-mapped under tsx and
 * vitest), so the asset's code version can be derived from its module. Undefined when unknown.
 */
export function callerModule(skipFiles: readonly string[]): string | undefined {
  const stack = new Error().stack ?? '';
  for (const line of stack.split('\n').slice(1)) {
    const match = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/.exec(line);
    const file = match?.[1];
    if (!file) continue;
    const path = file.startsWith('file://') ? decodeURIComponent(file.slice('file://'.length)) : file;
    if (skipFiles.some((skip) => path.endsWith(skip)) || path.includes('/node_modules/')) continue;
    return path;
  }
  return undefined;
}
