/**
 * The taxi example's data generator:
 *
 *   npm run generate -w @weft/example-taxi                 # (re)generate every hour, one cut off
 *   npm run generate -w @weft/example-taxi -- --repair     # land the complete file of the broken hour
 *   npm run generate -w @weft/example-taxi -- --out /tmp/landing --seed 7 --no-broken
 *
 * `weft dev` runs the generation itself on the example's first start; this script redoes it.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateLanding, landingDir, repairBrokenHour } from '../src/landing.js';
import { SEED } from '../src/schema.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, seed: { type: 'string' }, repair: { type: 'boolean', default: false }, 'no-broken': { type: 'boolean', default: false } },
  strict: true,
});
const landing = values.out === undefined ? landingDir(fileURLToPath(new URL('..', import.meta.url))) : resolve(values.out);
if (values.repair) {
  console.log(`landed the complete file ${repairBrokenHour(landing)}`);
} else {
  const seed = values.seed === undefined ? SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed)) {
    console.error(`--seed must be an integer, got ${JSON.stringify(values.seed)}`);
    process.exit(2);
  }
  const report = generateLanding(landing, { seed, brokenHour: values['no-broken'] ? null : undefined });
  console.log(`landed ${report.files} hourly files (${report.rows} rows, ${report.invalidRows} invalid) in ${report.landing}; cut off: ${report.brokenHour}`);
}
