/** Validates RunEvents against the vendored OpenLineage 2-0-2 schema and the facets' own schemas. */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const spec = new URL('../spec/', import.meta.url);
const load = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(path, spec), 'utf8')) as Record<string, unknown>;

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema(load('OpenLineage.json'));
const facetSchemas = new Map<string, string>();
for (const file of readdirSync(new URL('facets/', spec))) {
  const schema = load(`facets/${file}`);
  ajv.addSchema(schema);
  facetSchemas.set(file.replace(/\.json$/, ''), schema['$id'] as string);
}

const runEvent = ajv.getSchema('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent')!;

/** The problems of `event` (empty when valid): the RunEvent itself, and every standard facet it carries against its own schema. */
export function problemsOf(event: unknown): string[] {
  const out: string[] = [];
  if (!runEvent(event)) out.push(...(runEvent.errors ?? []).map((e) => `RunEvent${e.instancePath}: ${e.message}`));
  const check = (where: string, facets: Record<string, { _schemaURL?: string }> | undefined): void => {
    for (const [name, facet] of Object.entries(facets ?? {})) {
      const url = facet._schemaURL ?? '';
      if (url.startsWith('urn:weft:')) continue; // Weft's own facets: BaseFacet, checked with the event
      const validate = ajv.getSchema(url);
      if (!validate) {
        out.push(`${where}.${name}: no vendored schema for ${url}`);
        continue;
      }
      if (!validate(facet)) out.push(...(validate.errors ?? []).map((e) => `${where}.${name}${e.instancePath}: ${e.message}`));
    }
  };
  const e = event as { run?: { facets?: Record<string, { _schemaURL?: string }> }; job?: { facets?: Record<string, { _schemaURL?: string }> }; inputs?: Array<{ facets?: Record<string, { _schemaURL?: string }> }>; outputs?: Array<{ facets?: Record<string, { _schemaURL?: string }> }> };
  check('run.facets', e.run?.facets);
  check('job.facets', e.job?.facets);
  e.inputs?.forEach((i, n) => check(`inputs[${n}].facets`, i.facets));
  e.outputs?.forEach((o, n) => check(`outputs[${n}].facets`, o.facets));
  return out;
}
