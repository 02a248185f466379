export { ToolMissingError, ServiceStartError } from './errors.js';
export { cacheDir, binDir } from './paths.js';
export { ensureTemporalCli, findTemporalCli, temporalVersion, TEMPORAL_CLI } from './tools/temporal.js';
export { ensureMinio, findMinio, minioVersion, MINIO_SERVER } from './tools/minio.js';
export { ensureGoTool, findGoTool, cachedGoToolPath, describeTool, type GoToolSpec, type LocatedTool } from './tools/go-tool.js';
export { findPostgresBinaries, postgresVersion, type PostgresBinaries } from './tools/postgres.js';
export { findChromium, chromiumVersion, CHROMIUM_FLAGS } from './tools/chromium.js';
export { ManagedProcess, type ManagedProcessOptions } from './launch/managed-process.js';
export { startPostgres, unprivilegedAccount, type PostgresServer, type StartPostgresOptions } from './launch/postgres-server.js';
export { startTemporal, type TemporalServer, type StartTemporalOptions } from './launch/temporal-server.js';
export { startMinio, type MinioServer, type StartMinioOptions, type S3Endpoint } from './launch/minio-server.js';
export {
  ensureKubernetesTools,
  ensureKubernetesBinaries,
  ensureKwok,
  ensureEtcd,
  findEtcd,
  findKubernetesTools,
  kubernetesToolVersion,
  locallyReplacedModules,
  wrapperGoMod,
  KUBERNETES_VERSION,
  KUBERNETES_STAGING_VERSION,
  ETCD_VERSION,
  KWOK,
  KUBE_APISERVER,
  KUBE_CONTROLLER_MANAGER,
  KUBE_SCHEDULER,
  ETCD,
  type KubernetesTools,
} from './tools/kubernetes.js';
export { startKubeApiServer, KWOK_ANNOTATIONS, type KubeApiServer, type KubeResponse, type StartKubeApiServerOptions } from './launch/kube-apiserver.js';
