import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachedGoToolPath, ensureGoTool, findGoTool, findPostgresBinaries, ToolMissingError, type GoToolSpec } from '../src/index.js';

const spec: GoToolSpec = { tool: 'Fake tool', binary: 'weft-fake-tool', goPackage: 'example.com/fake/cmd/fake', version: 'v9.9.9', envVar: 'WEFT_FAKE_TOOL_PATH' };

let dir: string;
const saved = { ...process.env };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-tools-test-'));
  process.env['WEFT_CACHE_DIR'] = join(dir, 'cache');
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

function executable(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\necho fake\n');
  chmodSync(path, 0o755);
  return path;
}

describe('go tool lookup', () => {
  it('prefers the env var, then PATH, then the cache', () => {
    const cached = executable(cachedGoToolPath(spec));
    expect(cached).toContain(join('cache', 'bin', 'weft-fake-tool-v9.9.9'));
    expect(findGoTool(spec)).toEqual({ path: cached, origin: 'cache' });
    const onPath = executable(join(dir, 'pathbin', 'weft-fake-tool'));
    process.env['PATH'] = `${join(dir, 'pathbin')}:${process.env['PATH']}`;
    expect(findGoTool(spec)).toEqual({ path: onPath, origin: 'path' });
    const explicit = executable(join(dir, 'explicit', 'tool'));
    process.env[spec.envVar] = explicit;
    expect(findGoTool(spec)).toEqual({ path: explicit, origin: 'env' });
  });

  it('names the env var when it points at nothing', () => {
    process.env[spec.envVar] = join(dir, 'missing');
    expect(() => findGoTool(spec)).toThrow(ToolMissingError);
    expect(() => findGoTool(spec)).toThrow(/WEFT_FAKE_TOOL_PATH=.*is not an executable/);
  });

  it('says how to get the tool when Go is missing too', async () => {
    process.env['WEFT_GO'] = join(dir, 'no-go-here');
    const error = await ensureGoTool(spec, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolMissingError);
    expect((error as Error).message).toMatch(/go install example\.com\/fake\/cmd\/fake@v9\.9\.9/);
    expect((error as Error).message).toMatch(/WEFT_FAKE_TOOL_PATH/);
  });

  it('reports a failed go install with the module and version', async () => {
    const fakeGo = executable(join(dir, 'gobin', 'go'));
    writeFileSync(fakeGo, '#!/bin/sh\necho "go: module lookup disabled" >&2\nexit 1\n');
    process.env['WEFT_GO'] = fakeGo;
    const error = await ensureGoTool(spec, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolMissingError);
    expect((error as Error).message).toContain('go install example.com/fake/cmd/fake@v9.9.9 failed');
    expect(String((error as Error).cause)).toContain('module lookup disabled');
  });

  it('builds into the cache with go install when nothing is found', async () => {
    const fakeGo = executable(join(dir, 'gobin', 'go'));
    // A stand-in for `go install`: writes the binary into $GOBIN like the real one.
    writeFileSync(fakeGo, '#!/bin/sh\nprintf "#!/bin/sh\\necho built\\n" > "$GOBIN/weft-fake-tool"\nchmod +x "$GOBIN/weft-fake-tool"\n');
    process.env['WEFT_GO'] = fakeGo;
    const lines: string[] = [];
    const built = await ensureGoTool(spec, (l) => lines.push(l));
    expect(built).toEqual({ path: cachedGoToolPath(spec), origin: 'built' });
    expect(lines.join('\n')).toContain('go install example.com/fake/cmd/fake@v9.9.9');
    expect(await ensureGoTool(spec, () => {})).toEqual({ path: cachedGoToolPath(spec), origin: 'cache' });
  });
});

describe('PostgreSQL binaries lookup', () => {
  it('rejects a PG_BIN_DIR without the server binaries, saying how to install them', () => {
    process.env['PG_BIN_DIR'] = dir;
    expect(() => findPostgresBinaries()).toThrow(/apt-get install -y postgresql/);
  });

  it('accepts a PG_BIN_DIR holding initdb, pg_ctl and postgres', () => {
    for (const b of ['initdb', 'pg_ctl', 'postgres']) executable(join(dir, 'pg', b));
    process.env['PG_BIN_DIR'] = join(dir, 'pg');
    expect(findPostgresBinaries().postgres).toBe(join(dir, 'pg', 'postgres'));
  });
});
