/**
 * The template's connector against the testkit's connector suite, on real files in a temporary
 * folder: by date (content versions: rewriting the same bytes changes nothing), by key with
 * dynamic partitions, and with pseudonymized fields (the secret read from the environment).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { env, forgetSecrets } from '@weft/core';
import { describeConnectorConformance, type ConnectorUnderTest } from '@weft/plugin-testkit';
import { afterAll } from 'vitest';
import { jsonl, parseJsonLines } from '../src/index.js';

const PEPPER = 'WEFT_TEMPLATE_CONFORMANCE_PEPPER';
process.env[PEPPER] = 'conformance-pepper-0123456789';
afterAll(() => {
  delete process.env[PEPPER];
  forgetSecrets();
});

/**
 * The suite writes plain text ("alpha 1"); a JSON-lines source holds records, so each text is
 * written as one record `{ "text": …, "email": … }` and read back from it.
 */
function folderUnderTest(pattern: string, pseudonymize: boolean) {
  return async (): Promise<ConnectorUnderTest> => {
    const root = mkdtempSync(join(tmpdir(), 'weft-template-conformance-'));
    const fileOf = (key: string): string => join(root, pattern.replace(/\{(date|key)\}/, key));
    const connector = jsonl({ root }).connectors.files({ pattern, ...(pseudonymize ? { pseudonymize: { fields: ['email'], key: env(PEPPER) } } : {}) });
    return {
      connector,
      write: async (key, bytes) => {
        await mkdir(dirname(fileOf(key)), { recursive: true });
        const record = { text: new TextDecoder().decode(bytes), email: `${key}@example.com` };
        await writeFile(fileOf(key), `${JSON.stringify(record)}\n`);
      },
      remove: (key) => rm(fileOf(key)),
      readAs: (bytes, key) => {
        const [record, ...rest] = parseJsonLines(bytes, key);
        if (!record || rest.length > 0) return `expected one record, got ${rest.length + (record ? 1 : 0)}`;
        const email = String(record['email']);
        const expected = pseudonymize ? /^hmac-sha256:[0-9a-f]{64}$/.test(email) : email === `${key}@example.com`;
        return expected ? String(record['text']) : `email not as expected: ${email}`;
      },
      cleanup: async () => rmSync(root, { recursive: true, force: true }),
    };
  };
}

describeConnectorConformance('template jsonl files by date', folderUnderTest('events/{date}.jsonl', false), {
  keys: ['2024-01-01', '2024-01-02', '2024-01-03'],
  contentVersions: true,
});
describeConnectorConformance('template jsonl files by key, pseudonymized', folderUnderTest('customers/{key}.jsonl', true), {
  keys: ['acme', 'globex', 'initech'],
  contentVersions: true,
  dynamicKeys: ['customer-umbrella', 'customer-hooli'],
});
