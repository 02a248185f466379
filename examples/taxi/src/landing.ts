/**
 * The landing folder: where the (simulated) taxi system drops one CSV file per hour,
 * `<project>/.weft/landing/trips/<date>/<hour>.csv`. The example fills it on its first start with
 * three weeks of generated hours, one of them cut off mid-row; `repairBrokenHour` lands the
 * complete file, as a re-sent upload would.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cutOff, generateHour, hourKeys, totals, type GeneratedHour } from './generate.js';
import { BROKEN_HOUR, RANGE, SEED } from './schema.js';

/** The landing folder of a project: `<project>/.weft/landing`. */
export function landingDir(projectRoot: string): string {
  return join(projectRoot, '.weft', 'landing');
}

/** The path pattern of the hourly files under the landing folder (fsFiles placeholders). */
export const TRIPS_PATTERN = 'trips/{date}/{hour}.csv';

/** Where the file of `hour` (`YYYY-MM-DDTHH:00`) lands. */
export function hourPath(landing: string, hour: string): string {
  return join(landing, 'trips', hour.slice(0, 10), `${hour.slice(11, 13)}.csv`);
}

/** Writes a file atomically (a reader never sees half of it). */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.partial-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** What {@link generateLanding} wrote. */
export interface LandingReport {
  readonly landing: string;
  readonly files: number;
  readonly rows: number;
  readonly invalidRows: number;
  readonly brokenHour: string;
}

/** Options of {@link generateLanding}. */
export interface GenerateOptions {
  readonly seed?: number;
  readonly range?: { readonly start: string; readonly end: string };
  /** The hour whose file is landed cut off; null for none. @default BROKEN_HOUR */
  readonly brokenHour?: string | null;
}

/** Generates every hour of the range into `landing`, replacing what is there. */
export function generateLanding(landing: string, options: GenerateOptions = {}): LandingReport {
  const seed = options.seed ?? SEED;
  const broken = options.brokenHour === undefined ? BROKEN_HOUR : options.brokenHour;
  const hours: GeneratedHour[] = [];
  for (const hour of hourKeys(options.range ?? RANGE)) {
    const generated = generateHour(hour, seed);
    hours.push(generated);
    writeAtomically(hourPath(landing, hour), hour === broken ? cutOff(generated.csv) : generated.csv);
  }
  writeFileSync(join(landing, 'GENERATED'), `${JSON.stringify({ seed, range: options.range ?? RANGE, brokenHour: broken })}\n`);
  const { rows, invalid } = totals(hours);
  return { landing, files: hours.length, rows, invalidRows: Object.values(invalid).reduce((a, b) => a + b, 0), brokenHour: broken ?? 'none' };
}

/**
 * Fills the landing folder on the example's first start (when it has no `GENERATED` marker) and
 * leaves it alone afterwards, so files you edit, fix or delete stay as you left them.
 */
export function ensureLanding(projectRoot: string, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  const landing = landingDir(projectRoot);
  if (existsSync(join(landing, 'GENERATED'))) return;
  const report = generateLanding(landing);
  log(
    `taxi example: landed ${report.files} hourly trip files (${report.rows.toLocaleString('en-US')} rows, ${report.invalidRows} of them invalid) in ${landing}; ` +
      `${report.brokenHour} is cut off mid-row on purpose`,
  );
}

/** Lands the complete file of the broken hour (a re-sent upload); returns its path. */
export function repairBrokenHour(landing: string): string {
  const marker = join(landing, 'GENERATED');
  const seed = existsSync(marker) ? ((JSON.parse(readFileSync(marker, 'utf8')) as { seed?: number }).seed ?? SEED) : SEED;
  const path = hourPath(landing, BROKEN_HOUR);
  writeAtomically(path, generateHour(BROKEN_HOUR, seed).csv);
  return path;
}
