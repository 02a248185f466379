/**
 * The http plugin for `weft.config.ts`:
 *
 *   export const api = http({ baseUrl: 'https://data.example.com/v1/', headers: { authorization: env('DATA_API_TOKEN') } });
 *   source({ key: 'trips', partitions: daily(…), observe: api.connectors.resources({ path: 'trips/{key}.csv', index: 'trips/index.json' }) })
 *
 * Header values may be secret references: read from the environment when the source is first observed.
 */
import { definePlugin, secret, z } from '@weft/core';
import { httpResources } from './http-resources.js';

export const http = definePlugin({
  name: '@weft/plugin-http',
  version: '0.1.0',
  weft: '^0.1.0',
  description: 'HTTP resources as a source, versioned by ETag or Last-Modified',
  options: z
    .object({
      baseUrl: z.url({ protocol: /^https?$/ }),
      headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.union([z.string(), secret()])).optional(),
      timeoutMs: z.number().int().positive().max(600_000).optional(),
      concurrency: z.number().int().min(1).max(64).optional(),
    })
    .strict(),
  connectors: {
    resources: {
      description: 'one partition per URL of a path pattern with {key}, for listed keys or the keys an index URL returns',
      options: z
        .object({ path: z.string().includes('{key}'), keys: z.array(z.string().min(1)).min(1).optional(), index: z.string().min(1).optional() })
        .strict()
        .refine((o) => (o.keys === undefined) !== (o.index === undefined), { message: 'give keys (a list) or index (the path of a JSON list of keys), not both' }),
      label: (o) => o.path,
      create: (plugin, o, ctx) => {
        const { baseUrl, headers, timeoutMs, concurrency } = ctx.resolve(plugin);
        return httpResources({ baseUrl, path: o.path, keys: o.keys ?? { index: o.index! }, ...(headers ? { headers } : {}), ...(timeoutMs ? { timeoutMs } : {}), ...(concurrency ? { concurrency } : {}) });
      },
    },
  },
});
