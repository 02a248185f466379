/**
 * A real Kubernetes control plane for tests, on free loopback ports: etcd, kube-apiserver,
 * kube-controller-manager (the Job, garbage-collector, namespace and service-account controllers),
 * kube-scheduler, and kwok, which plays the kubelets of fake nodes: it marks scheduled pods Running
 * and, for pods owned by a Job, Succeeded (or Failed, see {@link KWOK_ANNOTATIONS}). No container
 * ever runs: images are never pulled, commands never executed.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import getPort from 'get-port';
import { ServiceStartError } from '../errors.js';
import { describeTool } from '../tools/go-tool.js';
import { ensureKubernetesTools, ETCD, KUBE_APISERVER, KWOK, kubernetesToolVersion } from '../tools/kubernetes.js';
import { ManagedProcess } from './managed-process.js';
import { makeTempDir } from './temp-dir.js';

/**
 * Pod annotations the cluster's kwok stages read (on the Job's pod template). Without any, a Job's
 * pod runs and succeeds at once with exit code 0.
 */
export const KWOK_ANNOTATIONS = {
  /** The container's exit code: a pod with it ends Failed (or Succeeded when it is "0") with that code. */
  exitCode: 'kwok.weft.dev/exit-code',
  /** The terminated container's reason (e.g. `OOMKilled`, `Error`). @default "Error" (Completed for 0) */
  reason: 'kwok.weft.dev/reason',
  /** The pod's own status reason when it fails (e.g. `Evicted`, `DeadlineExceeded`), with a message. */
  podReason: 'kwok.weft.dev/pod-reason',
  /** How long the pod stays Running before it ends, as a Go duration (`500ms`, `3s`). @default 0 */
  runFor: 'kwok.weft.dev/run-for',
  /** Keeps the pod Pending with its containers waiting for this reason (e.g. `ImagePullBackOff`, `ErrImagePull`). */
  waitingReason: 'kwok.weft.dev/waiting-reason',
} as const;

/** A response of {@link KubeApiServer.request}: the status code and the parsed JSON body (text when not JSON). */
export interface KubeResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** A running test cluster. */
export interface KubeApiServer {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** Bearer token of a `system:masters` user (`weft-admin`). */
  readonly token: string;
  /** PEM of the CA that signed the server's certificate (self-signed by kube-apiserver at start). */
  readonly caCert: string;
  /** A kubeconfig (context `weft-test`) with the URL, CA and token, for client libraries and kubectl. */
  readonly kubeconfigPath: string;
  /** The fake nodes kwok manages. */
  readonly nodeNames: readonly string[];
  /** `/version`'s gitVersion, e.g. `v1.37.2`. */
  readonly version: string;
  /** Where each binary came from, for logs. */
  readonly versions: { readonly kubeApiserver: string; readonly etcd: string; readonly kwok: string };
  /** The API server's serving certificate and key (PEM files; valid for 127.0.0.1), e.g. for a stand-in kubelet endpoint. */
  readonly servingCert: { readonly certPath: string; readonly keyPath: string };
  /** Folder holding the logs of every component (`etcd.log`, `kube-apiserver.log`, …) until stop(). */
  readonly logDir: string;
  readonly processes: Readonly<Record<'etcd' | 'kubeApiserver' | 'kubeControllerManager' | 'kubeScheduler' | 'kwok', ManagedProcess>>;
  /** One request to the API with the admin token: `request('POST', '/api/v1/namespaces', {...})`. */
  request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeResponse<T>>;
  stop(): Promise<void>;
}

/** Options for {@link startKubeApiServer}. */
export interface StartKubeApiServerOptions {
  /** Names of the fake nodes to create. @default ['kwok-node-0'] */
  readonly nodes?: readonly string[];
  /** Labels and taints of every fake node (to test node selectors and tolerations). */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  readonly nodeTaints?: readonly { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** Allocatable CPU, memory and pods of each fake node. @default 32 CPUs, 256Gi, 110 pods */
  readonly nodeAllocatable?: { readonly cpu: string; readonly memory: string; readonly pods: string };
  /**
   * The lines every container's log shows: kwok serves them through `pods/{name}/log` (also
   * `tailLines`, `timestamps`; an unknown container is a 400). A `follow=true` stream sends them and
   * then never ends, even after the pod has finished (kwok cannot see a container exit): a client
   * must stop following when a watch shows the pod Succeeded or Failed.
   */
  readonly podLogLines?: readonly string[];
  /**
   * How a Job's pod ends. `immediately`: kwok ends it at once (after {@link KWOK_ANNOTATIONS}.runFor)
   * with the annotated exit code, or 0. `when-annotated`: it stays Running until the exit-code
   * annotation is set on it — by something that plays the container runtime (a test's node agent
   * that runs the container's command as a local process, then annotates its exit code).
   * @default 'immediately'
   */
  readonly podCompletion?: 'immediately' | 'when-annotated';
  /** Extra kwok Stage documents (YAML), added to the default ones. */
  readonly extraStages?: readonly string[];
  readonly readyTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

const POD_SELECTOR_JOB_RUNNING = `
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
    - key: '.metadata.ownerReferences.[].kind'
      operator: 'In'
      values:
      - 'Job'`;

/**
 * kwok's stages: node-initialize, node-heartbeat-with-lease, pod-ready and pod-delete as kwok ships
 * them (kustomize/stage/{node,pod}/fast, Apache-2.0, sigs.k8s.io/kwok v0.8.0); pod-complete,
 * pod-exit and pod-waiting read {@link KWOK_ANNOTATIONS}. kwok run alone (not through kwokctl) has
 * no default stages. Pods not owned by a Job stay Running until deleted.
 */
function kwokStages(podCompletion: 'immediately' | 'when-annotated'): string[] {
  const a = KWOK_ANNOTATIONS;
  const nodeInitialize = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-initialize
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $lastTransitionTime := or .metadata.creationTimestamp $now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $lastTransitionTime | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type  | Quote}}
      {{ end }}
      addresses:
      {{ with NodeIP }}
      - address: {{ . | Quote }}
        type: InternalIP
      {{ end }}
      {{ with NodePort }}
      daemonEndpoints:
        kubeletEndpoint:
          Port: {{ . }}
      {{ end }}
      allocatable:
      {{ with .status.allocatable }}
      {{ YAML . 1 }}
      {{ else }}
        cpu: 1k
        memory: 1Ti
        pods: 1M
      {{ end }}
      capacity:
      {{ with .status.capacity }}
      {{ YAML . 1 }}
      {{ else }}
        cpu: 1k
        memory: 1Ti
        pods: 1M
      {{ end }}
      {{ $nodeInfo := .status.nodeInfo }}
      {{ $kwokVersion := printf "kwok-%s" Version }}
      nodeInfo:
        architecture: {{ or $nodeInfo.architecture "amd64" }}
        bootID: {{ or $nodeInfo.bootID \`""\` }}
        containerRuntimeVersion: {{ or $nodeInfo.containerRuntimeVersion $kwokVersion }}
        kernelVersion: {{ or $nodeInfo.kernelVersion $kwokVersion }}
        kubeProxyVersion: {{ or $nodeInfo.kubeProxyVersion $kwokVersion }}
        kubeletVersion: {{ or $nodeInfo.kubeletVersion $kwokVersion }}
        machineID: {{ or $nodeInfo.machineID \`""\` }}
        operatingSystem: {{ or $nodeInfo.operatingSystem "linux" }}
        osImage: {{ or $nodeInfo.osImage \`""\` }}
        systemUUID: {{ or $nodeInfo.systemUUID \`""\` }}
      phase: Running
`;
  const nodeHeartbeat = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-heartbeat-with-lease
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'In'
      values:
      - 'True'
  delay:
    durationMilliseconds: 600000
    jitterDurationMilliseconds: 610000
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $lastTransitionTime := or .metadata.creationTimestamp $now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $lastTransitionTime | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type | Quote }}
      {{ end }}
`;
  const podReady = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Pending'
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
    - key: '.metadata.annotations["${a.waitingReason}"]'
      operator: 'DoesNotExist'
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      {{ range .spec.readinessGates }}
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: {{ .conditionType | Quote }}
      {{ end }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      initContainerStatuses:
      {{ range .spec.initContainers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      {{ $hostIPs := NodeIPsWith .spec.nodeName }}
      {{ with $hostIPs }}
      hostIP: {{ index . 0 | Quote }}
      hostIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      {{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      {{ with $podIPs }}
      podIP: {{ index . 0 | Quote }}
      podIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
`;
  const delay = `
  delay:
    durationMilliseconds: 0
    durationFrom:
      expressionFrom: '.metadata.annotations["${a.runFor}"]'`;
  const podComplete = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-complete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:${POD_SELECTOR_JOB_RUNNING}
    - key: '.metadata.annotations["${a.exitCode}"]'
      operator: 'DoesNotExist'${delay}
  next:
    statusTemplate: |
      {{ $now := Now }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: Succeeded
`;
  const podExit = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-exit
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:${POD_SELECTOR_JOB_RUNNING}
    - key: '.metadata.annotations["${a.exitCode}"]'
      operator: 'Exists'${delay}
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $code := index .metadata.annotations "${a.exitCode}" }}
      {{ $reason := index .metadata.annotations "${a.reason}" }}
      {{ $podReason := index .metadata.annotations "${a.podReason}" }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: {{ $code }}
            finishedAt: {{ $now | Quote }}
            reason: {{ or $reason (and (eq $code "0") "Completed") "Error" | Quote }}
            startedAt: {{ $now | Quote }}
      {{ end }}
      {{ with $podReason }}
      reason: {{ . | Quote }}
      message: {{ printf "simulated by kwok: %s" . | Quote }}
      {{ end }}
      phase: {{ if eq $code "0" }}Succeeded{{ else }}Failed{{ end }}
`;
  const podWaiting = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-waiting
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Pending'
    - key: '.metadata.annotations["${a.waitingReason}"]'
      operator: 'Exists'
    - key: '.status.containerStatuses'
      operator: 'DoesNotExist'
  next:
    statusTemplate: |
      {{ $reason := index .metadata.annotations "${a.waitingReason}" }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          waiting:
            reason: {{ $reason | Quote }}
            message: {{ printf "simulated by kwok: %s" $reason | Quote }}
      {{ end }}
      phase: Pending
`;
  const podDelete = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    delete: true
`;
  return [nodeInitialize, nodeHeartbeat, podReady, podWaiting, ...(podCompletion === 'immediately' ? [podComplete] : []), podExit, podDelete];
}

/** A container log line in the CRI format kwok reads (`<RFC3339Nano> stdout F <text>`). */
function criLogLine(text: string, at: Date): string {
  return `${at.toISOString().replace('Z', '000000Z')} stdout F ${text}\n`;
}

function kubeconfigYaml(url: string, caCert: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: weft-test',
    '  cluster:',
    `    server: ${url}`,
    `    certificate-authority-data: ${Buffer.from(caCert).toString('base64')}`,
    'users:',
    '- name: weft-admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: weft-test',
    '  context:',
    '    cluster: weft-test',
    '    user: weft-admin',
    'current-context: weft-test',
    '',
  ].join('\n');
}

/** One HTTPS request to `url + path` trusting `ca` (or, for components' own health ports, nothing). */
function kubeRequest<T>(
  url: string,
  path: string,
  options: { method?: string; token?: string; ca?: string; insecure?: boolean; body?: unknown; contentType?: string; timeoutMs?: number },
): Promise<KubeResponse<T>> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, url),
      {
        method: options.method ?? 'GET',
        ...(options.ca ? { ca: options.ca } : {}),
        rejectUnauthorized: !options.insecure,
        timeout: options.timeoutMs ?? 30_000,
        headers: {
          Accept: 'application/json',
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
          ...(payload !== undefined ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (healthz answers, logs)
          }
          resolve({ status: res.statusCode ?? 0, body: body as T });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${path}: no answer in ${options.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on free loopback
 * ports in a temp dir (building the pinned binaries when they are missing: ~10 minutes the first
 * time), creates the fake nodes, and resolves once the API answers `/readyz`, every node is Ready
 * and the controller manager has made the `default` service account.
 */
export async function startKubeApiServer(options: StartKubeApiServerOptions = {}): Promise<KubeApiServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const tools = await ensureKubernetesTools(log);
  const [apiserverVersion, etcdVersion, kwokVersion] = await Promise.all([tools.kubeApiserver, tools.etcd, tools.kwok].map((t) => kubernetesToolVersion(t.path)));
  const timeoutMs = options.readyTimeoutMs ?? 90_000;
  const host = '127.0.0.1';
  const free = (): Promise<number> => getPort({ host });
  const [etcdPort, etcdPeerPort, apiPort, kwokPort, kcmPort, schedulerPort] = await Promise.all([free(), free(), free(), free(), free(), free()]);
  const temp = makeTempDir('kube');
  const dir = temp.path;
  const pki = join(dir, 'pki');
  mkdirSync(pki);

  // Service-account tokens are signed with this key pair; kube-controller-manager signs legacy ones too.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  writeFileSync(join(pki, 'sa.pub'), publicKey);
  writeFileSync(join(pki, 'sa.key'), privateKey, { mode: 0o600 });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(join(pki, 'tokens.csv'), `${token},weft-admin,weft-admin,"system:masters"\n`, { mode: 0o600 });
  const url = `https://${host}:${apiPort}`;

  const started: ManagedProcess[] = [];
  const spawn = (name: string, command: string, args: string[], logName: string): ManagedProcess => {
    const proc = new ManagedProcess({ name, command, args, logFile: join(dir, logName) });
    started.push(proc);
    return proc;
  };
  const stopAll = async (): Promise<void> => {
    for (const proc of [...started].reverse()) await proc.stop('SIGTERM', 10_000);
  };

  try {
    const etcd = spawn('etcd', tools.etcd.path, [
      '--name=weft-test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://${host}:${etcdPort}`,
      `--advertise-client-urls=http://${host}:${etcdPort}`,
      `--listen-peer-urls=http://${host}:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://${host}:${etcdPeerPort}`,
      `--initial-cluster=weft-test=http://${host}:${etcdPeerPort}`,
      '--auto-compaction-retention=1',
      // A test cluster's data is thrown away: no fsync per write (etcd 3.4 has no such flag).
      ...(/\b3\.4\./.test(etcdVersion ?? '') ? [] : ['--unsafe-no-fsync']),
    ], 'etcd.log');
    await etcd.waitUntilReady(async () => {
      const res = await fetch(`http://${host}:${etcdPort}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    }, timeoutMs);

    const apiserver = spawn('kube-apiserver', tools.kubeApiserver.path, [
      `--etcd-servers=http://${host}:${etcdPort}`,
      `--bind-address=${host}`,
      `--advertise-address=${host}`,
      // The `kubernetes` service's endpoints may not be a loopback address: this cluster has no such service traffic.
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiPort}`,
      // A CA and a serving certificate for 127.0.0.1 and localhost, generated here at start.
      `--cert-dir=${pki}`,
      `--token-auth-file=${join(pki, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      // Logs and exec go to kwok's server, reached at the node's InternalIP (127.0.0.1) without a kubelet CA.
      '--kubelet-preferred-address-types=InternalIP',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
    ], 'kube-apiserver.log');
    let caCert = '';
    await apiserver.waitUntilReady(async () => {
      caCert = readFileSync(join(pki, 'apiserver.crt'), 'utf8');
      const res = await kubeRequest(url, '/readyz', { token, ca: caCert, timeoutMs: 5000 });
      return res.status === 200;
    }, timeoutMs);

    const kubeconfigPath = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfigPath, kubeconfigYaml(url, caCert, token), { mode: 0o600 });
    const request = <T>(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeResponse<T>> =>
      kubeRequest<T>(url, path, { method, token, ca: caCert, body, ...(contentType ? { contentType } : {}) });

    const kcm = spawn('kube-controller-manager', tools.kubeControllerManager.path, [
      `--kubeconfig=${kubeconfigPath}`,
      '--leader-elect=false',
      `--bind-address=${host}`,
      `--secure-port=${kcmPort}`,
      `--cert-dir=${join(dir, 'kcm-pki')}`,
      `--service-account-private-key-file=${join(pki, 'sa.key')}`,
      `--root-ca-file=${join(pki, 'apiserver.crt')}`,
      '--use-service-account-credentials=false',
      '--kube-api-qps=1000',
      '--kube-api-burst=1000',
      '--profiling=false',
    ], 'kube-controller-manager.log');
    const scheduler = spawn('kube-scheduler', tools.kubeScheduler.path, [
      `--kubeconfig=${kubeconfigPath}`,
      '--leader-elect=false',
      `--bind-address=${host}`,
      `--secure-port=${schedulerPort}`,
      `--cert-dir=${join(dir, 'scheduler-pki')}`,
      '--kube-api-qps=1000',
      '--kube-api-burst=1000',
      '--profiling=false',
    ], 'kube-scheduler.log');

    const logFile = join(dir, 'container.log');
    const now = new Date();
    writeFileSync(logFile, (options.podLogLines ?? ['(kwok simulates this container: nothing ran)']).map((l) => criLogLine(l, now)).join(''));
    const clusterLogs = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: weft-test-logs
spec:
  logs:
  - logsFile: ${JSON.stringify(logFile)}
    follow: false
`;
    const kwokConfig = join(dir, 'kwok.yaml');
    writeFileSync(kwokConfig, [...kwokStages(options.podCompletion ?? 'immediately'), ...(options.extraStages ?? []), clusterLogs].join('---\n'));
    const kwok = spawn('kwok', tools.kwok.path, [
      `--kubeconfig=${kubeconfigPath}`,
      `--config=${kwokConfig}`,
      '--manage-all-nodes=true',
      `--node-ip=${host}`,
      `--node-port=${kwokPort}`,
      `--server-address=${host}:${kwokPort}`,
      `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
      '--node-lease-duration-seconds=40',
    ], 'kwok.log');

    const nodeNames = options.nodes ?? ['kwok-node-0'];
    const allocatable = options.nodeAllocatable ?? { cpu: '32', memory: '256Gi', pods: '110' };
    for (const name of nodeNames) {
      const res = await request('POST', '/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', ...options.nodeLabels },
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        },
        spec: { taints: options.nodeTaints ?? [] },
        status: { allocatable, capacity: allocatable },
      });
      if (res.status !== 201) throw new ServiceStartError('kube-apiserver', `creating node ${name} answered ${res.status}: ${JSON.stringify(res.body)}`, '');
    }

    const healthy = (port: number) => async () => (await kubeRequest(`https://${host}:${port}`, '/healthz', { insecure: true, timeoutMs: 5000 })).status === 200;
    await Promise.all([
      kcm.waitUntilReady(healthy(kcmPort), timeoutMs),
      scheduler.waitUntilReady(healthy(schedulerPort), timeoutMs),
      kwok.waitUntilReady(async () => {
        const nodes = await request<{ items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] }>('GET', '/api/v1/nodes');
        const ready = new Set(nodes.body.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name));
        return nodeNames.every((n) => ready.has(n));
      }, timeoutMs),
      // Pods need their namespace's `default` service account, made by the controller manager.
      kcm.waitUntilReady(async () => (await request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200, timeoutMs),
    ]);

    const versionInfo = await request<{ gitVersion: string }>('GET', '/version');
    return {
      url,
      token,
      caCert,
      kubeconfigPath,
      nodeNames,
      version: versionInfo.body.gitVersion,
      versions: {
        kubeApiserver: describeTool(KUBE_APISERVER, tools.kubeApiserver, apiserverVersion ?? ''),
        etcd: describeTool(ETCD, tools.etcd, etcdVersion ?? ''),
        kwok: describeTool(KWOK, tools.kwok, kwokVersion ?? ''),
      },
      servingCert: { certPath: join(pki, 'apiserver.crt'), keyPath: join(pki, 'apiserver.key') },
      logDir: dir,
      processes: { etcd, kubeApiserver: apiserver, kubeControllerManager: kcm, kubeScheduler: scheduler, kwok },
      request,
      stop: async () => {
        await stopAll();
        temp.remove();
      },
    };
  } catch (error) {
    await stopAll();
    temp.remove();
    throw error;
  }
}
