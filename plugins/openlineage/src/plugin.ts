/**
 * The openlineage plugin for `weft.config.ts`:
 *
 *   plugins: [openlineage({ transport: { type: 'http', url: 'http://marquez:5000/api/v1/lineage', apiKey: env('MARQUEZ_KEY') }, spillPath: '.weft/openlineage-spill.jsonl' })]
 *
 * Every materialization's START and COMPLETE or FAIL goes out as an OpenLineage 2-0-2 RunEvent.
 */
import { definePlugin, secret, z } from '@weft/core';
import { openLineageEmitter } from './emitter.js';
import { consoleTransport, fileTransport, httpTransport } from './transports.js';

export const openlineage = definePlugin({
  name: '@weft/plugin-openlineage',
  version: '0.1.0',
  weft: '^0.1.0',
  description: 'OpenLineage 2-0-2 RunEvents for every materialization',
  options: z
    .object({
      transport: z.discriminatedUnion('type', [
        z.object({ type: z.literal('http'), url: z.url({ protocol: /^https?$/ }), apiKey: secret().optional(), timeoutMs: z.number().int().positive().optional() }).strict(),
        z.object({ type: z.literal('file'), path: z.string().min(1) }).strict(),
        z.object({ type: z.literal('console') }).strict(),
      ]),
      namespace: z.string().min(1).optional(),
      queueSize: z.number().int().min(1).max(10_000_000).optional(),
      spillPath: z.string().min(1).optional(),
    })
    .strict(),
  listeners: {
    openlineage: (options, ctx) => {
      const t = options.transport;
      const transport = t.type === 'http' ? httpTransport({ url: t.url, ...(t.apiKey ? { apiKey: ctx.resolve(t.apiKey, 'transport.apiKey') } : {}), ...(t.timeoutMs ? { timeoutMs: t.timeoutMs } : {}) }) : t.type === 'file' ? fileTransport(t.path) : consoleTransport();
      return openLineageEmitter({ transport, ...(options.namespace ? { namespace: options.namespace } : {}), ...(options.queueSize ? { queueSize: options.queueSize } : {}), ...(options.spillPath ? { spillPath: options.spillPath } : {}) });
    },
  },
});
