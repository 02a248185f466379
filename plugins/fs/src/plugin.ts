/**
 * The fs plugin for `weft.config.ts`: `plugins: [fs({ root: '/data/weft/objects' })]` stores values
 * in that folder; `fs().connectors.files({ root, key })` observes files by path pattern.
 */
import { definePlugin, z } from '@weft/core';
import { fsFiles } from './fs-files.js';
import { fsStorage } from './fs-storage.js';

export const fs = definePlugin({
  name: '@weft/plugin-fs',
  version: '0.1.0',
  weft: '^0.1.0',
  description: 'values in a local folder; files in a folder as a source',
  options: z.object({ root: z.string().min(1).describe('folder holding the objects') }).strict().optional(),
  storage: (options) => fsStorage(options?.root === undefined ? {} : { root: options.root }),
  connectors: {
    files: {
      description: 'files under a folder, one partition per file matching a key pattern (version: size and mtime)',
      options: z.object({ root: z.string().min(1), key: z.string().min(1) }).strict(),
      label: (o) => o.key,
      create: (_plugin, o) => fsFiles(o),
    },
  },
});
