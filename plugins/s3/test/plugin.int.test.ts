/**
 * The s3 plugin as a config lists it, on a real MinIO server: options validated, keys given as
 * secret references and read from the environment only when storage is made, and a wrong secret
 * redacted from the error it causes.
 */
import { env, forgetSecrets, loadPlugins, redactSecrets } from '@weft/core';
import { useBucket } from '@weft/services/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';

const bucket = useBucket();

afterEach(() => {
  delete process.env['WEFT_TEST_S3_ACCESS'];
  delete process.env['WEFT_TEST_S3_SECRET'];
  forgetSecrets();
});

describe('the s3 plugin', () => {
  const configure = () => {
    const { endPoint, port, useSSL, region } = bucket.endpoint;
    return s3({ bucket: bucket.bucket, prefix: 'plugin', endPoint, port, useSSL, region, accessKey: env('WEFT_TEST_S3_ACCESS'), secretKey: env('WEFT_TEST_S3_SECRET') });
  };

  it('stores through the storage it provides, reading its keys from the environment at run time', async () => {
    const plugin = configure();
    expect(JSON.stringify(plugin.options)).toContain('"secretKey":"[secret env:WEFT_TEST_S3_SECRET]"');
    expect(JSON.stringify(plugin.options)).not.toContain(bucket.endpoint.secretKey);
    const loaded = loadPlugins([plugin]);
    await expect(loaded.storage()).rejects.toThrow('plugin @weft/plugin-s3: option accessKey reads the secret WEFT_TEST_S3_ACCESS from the environment, and WEFT_TEST_S3_ACCESS is not set');
    process.env['WEFT_TEST_S3_ACCESS'] = bucket.endpoint.accessKey;
    process.env['WEFT_TEST_S3_SECRET'] = bucket.endpoint.secretKey;
    const storage = await loaded.storage();
    const uri = await storage!.put('a/b.json', new TextEncoder().encode('{"n":1}'));
    expect(uri).toBe(`s3://${bucket.bucket}/plugin/a/b.json`);
    expect(new TextDecoder().decode(await storage!.get(uri))).toBe('{"n":1}');
    // The objects connector reads with the plugin's connection.
    const source = plugin.connectors.objects({ bucket: bucket.bucket, key: 'plugin/a/{key}.json' });
    expect(source.name).toBe(`@weft/plugin-s3/objects(s3://${bucket.bucket}/plugin/a/{key}.json)`);
    expect((await source.observe({ sourceKey: 'x', signal: new AbortController().signal })).map((o) => o.partitionKey)).toEqual(['b']);
    // Any text that would be stored with the secret in it is redacted.
    expect(redactSecrets(`signature failed for ${bucket.endpoint.secretKey}`)).toBe('signature failed for [redacted]');
  });

  it('refuses bad options naming the field, and a secret written in plain text', () => {
    const { endPoint } = bucket.endpoint;
    expect(() => s3({ bucket: 'x', endPoint, accessKey: env('A'), secretKey: env('B') })).toThrow(/plugin @weft\/plugin-s3: bad options: bucket: Too small/);
    expect(() => s3({ bucket: 'lake', endPoint, accessKey: env('A'), secretKey: 'minioadmin' as never })).toThrow('secretKey: must be a secret reference, env("NAME"), never the secret itself');
    expect(() => s3({ bucket: 'lake', endPoint, accessKey: env('A'), secretKey: env('B'), port: 70000 })).toThrow(/port: Too big/);
    expect(() => s3({ bucket: 'lake', endPoint, accessKey: env('A'), secretKey: env('B'), bukket: 'typo' } as never)).toThrow(/Unrecognized key: "bukket"/);
  });
});
