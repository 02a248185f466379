/**
 * The plugin: what `weft.config.ts` lists and asset modules use.
 *
 *   export const files = jsonl({ root: fileURLToPath(new URL('./data', import.meta.url)) });
 *   source({ key: 'events', partitions: daily(…), codec: jsonLinesCodec(),
 *            observe: files.connectors.files({ pattern: 'events/{date}.jsonl', pseudonymize: { fields: ['email'], key: env('EVENTS_PEPPER') } }) })
 *   asset({ …, checks: [files.checks.records({ required: ['id'], unique: 'id' })] })
 */
import { isAbsolute } from 'node:path';
import { compileKeyPattern, definePlugin, secret, WeftError, z } from '@weft/core';
import { jsonlFiles } from './jsonl-files.js';
import { recordsCheck } from './records-check.js';

const fieldName = z.string().regex(/^[A-Za-z_][\w.-]*$/, 'must be a field name (letters, digits, _, . and -)');

/** A path pattern under the root: relative, no `..`, placeholders Weft knows. */
const pattern = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    if (value.startsWith('/') || value.split('/').includes('..')) return void ctx.addIssue({ code: 'custom', message: 'must be a path under root (relative, without ..)' });
    try {
      compileKeyPattern(value);
    } catch (error) {
      if (!(error instanceof WeftError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });

export const jsonl = definePlugin({
  name: '@weft/example-plugin-template',
  version: '0.1.0',
  weft: '^0.1.0',
  description: 'JSON-lines files in a local folder as a source; a records check',
  options: z
    .object({
      root: z.string().refine(isAbsolute, 'must be an absolute path (e.g. fileURLToPath(new URL("./data", import.meta.url)))'),
    })
    .strict(),
  connectors: {
    files: {
      description: 'one partition per JSON-lines file matching a path pattern; version: a hash of the content',
      options: z
        .object({
          pattern,
          pseudonymize: z.object({ fields: z.array(fieldName).min(1), key: secret() }).strict().optional(),
        })
        .strict(),
      label: (o) => o.pattern,
      create: (plugin, o, ctx) => {
        const pseudonymize = o.pseudonymize && { fields: o.pseudonymize.fields, key: ctx.resolve(o.pseudonymize.key, 'connectors.files.pseudonymize.key') };
        return jsonlFiles({ root: plugin.root, pattern: o.pattern, ...(pseudonymize ? { pseudonymize } : {}) });
      },
    },
  },
  checks: {
    records: {
      description: 'the value is a list of records: at least minRows, required fields present, a field unique',
      options: z
        .object({
          name: z.string().regex(/^[A-Za-z_][\w-]*$/).optional(),
          required: z.array(fieldName).optional(),
          minRows: z.number().int().min(0).optional(),
          unique: fieldName.optional(),
          blocking: z.boolean().optional(),
        })
        .strict(),
      create: (_plugin, o) => recordsCheck(o),
    },
  },
});
