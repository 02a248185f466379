import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeftError } from '@weft/core';
import { afterAll, describe, expect, it } from 'vitest';
import { connectionOptions, temporalSettings } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, body: string): string => {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
};

describe('Temporal connection settings', () => {
  it('take the config, overridden by the environment', () => {
    const config = { address: 'config:7233', namespace: 'prod', apiKey: 'from-config' };
    expect(temporalSettings(config, {})).toEqual(config);
    expect(temporalSettings(config, { TEMPORAL_ADDRESS: 'env:7233', TEMPORAL_NAMESPACE: 'staging', TEMPORAL_API_KEY: 'from-env' })).toEqual({ address: 'env:7233', namespace: 'staging', apiKey: 'from-env' });
    expect(temporalSettings({}, { TEMPORAL_TLS: '1' })).toEqual({ tls: {} });
  });

  it('read TLS files for a private CA and mutual TLS', () => {
    const ca = file('ca.pem', 'CA');
    const cert = file('client.pem', 'CERT');
    const key = file('client.key', 'KEY');
    const settings = temporalSettings({ address: 'tls:7233' }, { TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    const options = connectionOptions({ ...settings, address: 'tls:7233' });
    expect(options.tls).toEqual({ serverNameOverride: 'temporal.internal', serverRootCACertificate: Buffer.from('CA'), clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') } });
  });

  it('send an API key over TLS only, and name what is wrong', () => {
    expect(connectionOptions({ address: 'cloud:7233', apiKey: 'k' })).toEqual({ address: 'cloud:7233', tls: true, apiKey: 'k' });
    expect(connectionOptions({ address: 'local:7233' })).toEqual({ address: 'local:7233' });
    expect(() => connectionOptions({ address: 'x:1', tls: { certPath: file('c.pem', 'C') } })).toThrow(/certPath and keyPath go together/);
    const error = (() => {
      try {
        connectionOptions({ address: 'x:1', tls: { caPath: join(dir, 'missing.pem') } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(WeftError);
    expect(error).toMatchObject({ context: { field: 'temporal.tls.caPath' } });
  });
});

describe('closing a client connection', () => {
  const driver = fileURLToPath(new URL('./fixtures/closed-channel-driver.mts', import.meta.url));
  const run = (env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', driver], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('ends the process when a retried call fires after a plain close (what closeClientConnection guards against)', async () => {
    const plain = await run({ GUARD: '0' });
    expect(plain.stdout).not.toContain('alive');
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain('Channel has been shut down');
  }, 70_000);

  it('keeps the process alive through the closed channel, and still ends it for any other uncaught error', async () => {
    const guarded = await run({ GUARD: '1' });
    expect(guarded.stderr).not.toContain('Channel has been shut down');
    expect(guarded.stdout).toContain('alive');
    expect(guarded.code).toBe(0);
    const other = await run({ GUARD: '1', THROW: '1' });
    expect(other.stdout).not.toContain('alive');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('something else broke');
  }, 70_000);
});
