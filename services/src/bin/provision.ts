/**
 * Finds or builds every tool Weft's tests and `weft dev` need, pinned and cached outside the repo,
 * and prints where each came from. Exit code 1 with a how-to message when one cannot be had.
 *
 *   tsx services/src/bin/provision.ts [--no-chromium] [--kubernetes]
 *
 * `--kubernetes` also builds the test cluster's binaries (kube-apiserver, kube-controller-manager,
 * kube-scheduler, etcd, kwok: ~12 minutes on 2 cores the first time); scripts/setup.sh passes it
 * unless WEFT_SKIP_KUBERNETES=1.
 */
import { ToolMissingError } from '../errors.js';
import { cacheDir } from '../paths.js';
import { chromiumVersion, findChromium } from '../tools/chromium.js';
import { describeTool } from '../tools/go-tool.js';
import { ensureMinio, MINIO_SERVER, minioVersion } from '../tools/minio.js';
import { findPostgresBinaries, postgresVersion } from '../tools/postgres.js';
import { ensureTemporalCli, TEMPORAL_CLI, temporalVersion } from '../tools/temporal.js';
import { ensureKubernetesTools, ETCD, KUBE_APISERVER, KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER, KWOK, kubernetesToolVersion } from '../tools/kubernetes.js';

async function main(): Promise<void> {
  const wantChromium = !process.argv.includes('--no-chromium');
  console.log(`weft provision: tool cache ${cacheDir()}`);
  // Both builds at once: each spends much of its time downloading modules and linking on one core.
  const [temporal, minio] = await Promise.all([ensureTemporalCli(), ensureMinio()]);
  console.log(`  Temporal CLI: ${describeTool(TEMPORAL_CLI, temporal, await temporalVersion(temporal.path))}`);
  console.log(`  MinIO:        ${describeTool(MINIO_SERVER, minio, await minioVersion(minio.path))}`);
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
  if (process.argv.includes('--kubernetes')) {
    const kube = await ensureKubernetesTools();
    const rows = [[KUBE_APISERVER, kube.kubeApiserver], [KUBE_CONTROLLER_MANAGER, kube.kubeControllerManager], [KUBE_SCHEDULER, kube.kubeScheduler], [ETCD, kube.etcd], [KWOK, kube.kwok]] as const;
    for (const [spec, tool] of rows) console.log(`  ${`${spec.tool}:`.padEnd(25)} ${describeTool(spec, tool, await kubernetesToolVersion(tool.path))}`);
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
