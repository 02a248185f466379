/**
 * Finds or builds every tool Weft's tests and `weft dev` need, pinned and cached outside the repo,
 * and prints where each came from. Exit code 1 with a how-to message when one cannot be had.
 *
 *   tsx services/src/bin/provision.ts [--no-chromium]
 */
import { ToolMissingError } from '../errors.js';
import { cacheDir } from '../paths.js';
import { chromiumVersion, findChromium } from '../tools/chromium.js';
import { ensureMinio, minioVersion } from '../tools/minio.js';
import { findPostgresBinaries, postgresVersion } from '../tools/postgres.js';
import { ensureTemporalCli, temporalVersion } from '../tools/temporal.js';

async function main(): Promise<void> {
  const wantChromium = !process.argv.includes('--no-chromium');
  console.log(`weft provision: tool cache ${cacheDir()}`);
  // Sequential builds: two Go builds at once on 2 cores are no faster and use twice the memory.
  const temporal = await ensureTemporalCli();
  console.log(`  Temporal CLI: ${await temporalVersion(temporal.path)} (${temporal.origin}: ${temporal.path})`);
  const minio = await ensureMinio();
  console.log(`  MinIO:        ${await minioVersion(minio.path)} (${minio.origin}: ${minio.path})`);
  if (process.env['DATABASE_URL']) {
    console.log('  PostgreSQL:   DATABASE_URL is set; tests use that server');
  } else {
    const pgBins = findPostgresBinaries();
    console.log(`  PostgreSQL:   ${await postgresVersion(pgBins)} (${pgBins.binDir})`);
  }
  if (wantChromium) {
    const chromium = findChromium();
    console.log(`  Chromium:     ${await chromiumVersion(chromium)} (${chromium})`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ToolMissingError) {
    console.error(`weft provision: ${error.message}`);
    if (error.cause instanceof Error) console.error(`  cause: ${error.cause.message}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
