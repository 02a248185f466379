/** Writes the printed SDL to graphql/schema.graphql (the snapshot `graphql/test/schema.test.ts` compares with). */
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { buildSchema } from '../src/index.js';

writeFileSync(new URL('../schema.graphql', import.meta.url), `${printSchema(buildSchema())}\n`);
