import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../src/index.js';

describe('the GraphQL schema', () => {
  it('prints the committed SDL (graphql/schema.graphql): a change to the API is a reviewed change to that file', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    // Regenerate with: npm run graphql:schema
    expect(`${printSchema(buildSchema())}\n`).toBe(committed);
  });

  it('answers every mutation with a union that holds Forbidden and the other domain errors', () => {
    const mutation = buildSchema().getMutationType()!;
    for (const field of Object.values(mutation.getFields())) {
      const type = field.type.toString().replace(/!$/, '');
      const union = buildSchema().getType(type);
      expect(union && 'getTypes' in union, `${field.name} answers a union`).toBe(true);
      const members = (union as unknown as { getTypes(): Array<{ name: string }> }).getTypes().map((t) => t.name);
      expect(members, field.name).toEqual(expect.arrayContaining(['Forbidden', 'NotFound', 'InvalidInput']));
    }
  });
});
