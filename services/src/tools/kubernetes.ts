/**
 * The binaries of a small real Kubernetes control plane for tests: kube-apiserver,
 * kube-controller-manager (the Job controller), kube-scheduler, etcd, and kwok (which plays the
 * kubelets: it simulates nodes and pods). All are built from source with Go at pinned versions and
 * cached like the Temporal CLI (`<cache>/bin/<binary>-<version>/<binary>`).
 *
 * `go install k8s.io/kubernetes/cmd/kube-apiserver@…` (and `go install go.etcd.io/etcd/server/v3@…`)
 * is refused: "The go.mod file for the module providing named packages contains one or more replace
 * directives". So they are built from a wrapper module, written into a temp dir, that requires the
 * upstream module and replaces each module that upstream replaces with a local folder (Kubernetes'
 * `./staging/src/k8s.io/*`, etcd's `../api` …) by the same module as published on the Go module proxy.
 *
 * `provision --kubernetes` (which scripts/setup.sh runs unless WEFT_SKIP_KUBERNETES=1) or the first
 * `startKubeApiServer()` builds them (about 12 minutes on 2 cores, each build under `nice -n 19`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ToolMissingError } from '../errors.js';
import { isExecutable, run, runStreaming, which } from '../exec.js';
import { binDir } from '../paths.js';
import { cachedGoToolPath, findGoTool, type GoToolSpec, type LocatedTool } from './go-tool.js';

/** The Kubernetes release built (its `go` directive is 1.26.0: the newest that builds with Go 1.26). */
export const KUBERNETES_VERSION = 'v1.37.2';
/** The published version of its staging modules (k8s.io/api, k8s.io/apiserver, …) for that release. */
export const KUBERNETES_STAGING_VERSION = 'v0.37.2';
/** The etcd release built when no etcd is installed (the one kwok pairs with Kubernetes ≥ 1.34 is 3.6). */
export const ETCD_VERSION = 'v3.6.10';

export const KWOK: GoToolSpec = { tool: 'kwok', binary: 'kwok', goPackage: 'sigs.k8s.io/kwok/cmd/kwok', version: 'v0.8.0', envVar: 'KWOK_PATH' };

export const KUBE_APISERVER: GoToolSpec = {
  tool: 'kube-apiserver',
  binary: 'kube-apiserver',
  goPackage: 'k8s.io/kubernetes/cmd/kube-apiserver',
  version: KUBERNETES_VERSION,
  envVar: 'KUBE_APISERVER_PATH',
};

export const KUBE_CONTROLLER_MANAGER: GoToolSpec = {
  tool: 'kube-controller-manager',
  binary: 'kube-controller-manager',
  goPackage: 'k8s.io/kubernetes/cmd/kube-controller-manager',
  version: KUBERNETES_VERSION,
  envVar: 'KUBE_CONTROLLER_MANAGER_PATH',
};

export const KUBE_SCHEDULER: GoToolSpec = {
  tool: 'kube-scheduler',
  binary: 'kube-scheduler',
  goPackage: 'k8s.io/kubernetes/cmd/kube-scheduler',
  version: KUBERNETES_VERSION,
  envVar: 'KUBE_SCHEDULER_PATH',
};

/** etcd: ETCD_PATH, else `etcd` on PATH (Debian's `etcd-server` works), else built at {@link ETCD_VERSION}. */
export const ETCD: GoToolSpec = { tool: 'etcd', binary: 'etcd', goPackage: 'go.etcd.io/etcd/server/v3', version: ETCD_VERSION, envVar: 'ETCD_PATH' };

/** How to build some binaries of one upstream module through a wrapper module. */
interface WrapperBuild {
  /** Name of the build in messages and of its lock. */
  readonly name: string;
  /** Upstream module and version, e.g. `k8s.io/kubernetes` `v1.37.2`. */
  readonly module: string;
  readonly version: string;
  /** The version that replaces each module upstream replaces with a local folder. */
  readonly replacementVersion: string;
  readonly tools: readonly GoToolSpec[];
  readonly ldflags: readonly string[];
}

function kubernetesLdflags(): string[] {
  const [major = '', minor = ''] = KUBERNETES_VERSION.slice(1).split('.');
  // What Kubernetes' own build stamps (hack/lib/version.sh): /version and the binaries' --version report it.
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
}

const KUBERNETES_BUILD: WrapperBuild = {
  name: `kubernetes-${KUBERNETES_VERSION}`,
  module: 'k8s.io/kubernetes',
  version: KUBERNETES_VERSION,
  replacementVersion: KUBERNETES_STAGING_VERSION,
  tools: [KUBE_APISERVER, KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER],
  ldflags: kubernetesLdflags(),
};

const ETCD_BUILD: WrapperBuild = {
  name: `etcd-${ETCD_VERSION}`,
  module: 'go.etcd.io/etcd/server/v3',
  version: ETCD_VERSION,
  replacementVersion: ETCD_VERSION,
  tools: [ETCD],
  ldflags: [],
};

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);
const LOCK_STALE_MS = 60 * 60_000;

function findGo(): string | undefined {
  const explicit = process.env['WEFT_GO'];
  if (explicit !== undefined) return isExecutable(explicit) ? explicit : undefined;
  return which('go') ?? ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find(isExecutable);
}

/** Runs go under `nice -n 19` (where nice exists) so a build leaves other work its CPU. */
async function runGo(go: string, args: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<void> {
  const nice = which('nice');
  await (nice ? runStreaming(nice, ['-n', '19', go, ...args], options) : runStreaming(go, args, options));
}

function goEnv(): NodeJS.ProcessEnv {
  // GOTOOLCHAIN=local: build with the installed Go, never fetch another toolchain.
  return { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: `${process.env['GOFLAGS'] ?? ''} -trimpath`.trim() };
}

/** Holds a lock directory next to the cache entries while `body` runs; waits while another process holds it. */
async function withBuildLock<T>(name: string, done: () => T | undefined, body: () => Promise<T>): Promise<T> {
  mkdirSync(binDir(), { recursive: true });
  const lock = join(binDir(), `${name}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const finished = done();
      if (finished !== undefined) return finished;
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(2000);
    }
  }
  try {
    return done() ?? (await body());
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Moves `staging/<binary>` to the cache entry of `spec`. */
function installBuilt(spec: GoToolSpec, staging: string): void {
  const target = cachedGoToolPath(spec);
  const targetDir = join(target, '..');
  const entry = `${targetDir}.building-${process.pid}`;
  rmSync(entry, { recursive: true, force: true });
  mkdirSync(entry, { recursive: true });
  try {
    renameSync(join(staging, spec.binary), join(entry, spec.binary));
  } catch (error) {
    rmSync(entry, { recursive: true, force: true });
    throw error;
  }
  rmSync(targetDir, { recursive: true, force: true });
  renameSync(entry, targetDir);
}

/**
 * The modules that `go.mod` text replaces with local folders (`k8s.io/api => ./staging/src/k8s.io/api`,
 * `go.etcd.io/etcd/api/v3 => ../api`), in order. Exported for tests.
 */
export function locallyReplacedModules(goMod: string): string[] {
  const modules: string[] = [];
  for (const line of goMod.split('\n')) {
    const match = /^\s*(?:replace\s+)?([^\s()]+)(?:\s+v\S+)?\s*=>\s*(\.\.?\/\S*)\s*$/.exec(line);
    // etcd "replaces" modules it forbids with a folder that does not exist: those are not in the build.
    if (match?.[1] && !/FORBIDDEN/i.test(match[2] ?? '')) modules.push(match[1]);
  }
  return modules;
}

/**
 * The wrapper module's go.mod: requires `build.module@build.version` and replaces each module that
 * upstream replaces with a folder by the published module at `build.replacementVersion`. Exported for tests.
 */
export function wrapperGoMod(build: Pick<WrapperBuild, 'module' | 'version' | 'replacementVersion'>, upstreamGoMod: string): string {
  const goLine = /^go\s+(\S+)/m.exec(upstreamGoMod)?.[1] ?? '1.24';
  const godebug = /^godebug\s+.+$/m.exec(upstreamGoMod)?.[0];
  const replaced = locallyReplacedModules(upstreamGoMod).filter((m) => m !== build.module);
  return [
    'module weft.local/tool-build',
    '',
    `go ${goLine}`,
    ...(godebug ? ['', godebug] : []),
    '',
    `require ${build.module} ${build.version}`,
    '',
    'replace (',
    ...replaced.map((m) => `\t${m} => ${m} ${build.replacementVersion}`),
    ')',
    '',
  ].join('\n');
}

/** Builds every binary of `build` into the cache through a wrapper module in a temp dir. */
async function buildWithWrapper(build: WrapperBuild, log: Log): Promise<void> {
  const go = findGo();
  const packages = build.tools.map((t) => t.goPackage);
  const howTo =
    `set ${build.tools.map((t) => t.envVar).join(', ')} to existing binaries, or install Go (apt-get install golang-go, or https://go.dev/dl) ` +
    `so Weft can build ${packages.join(', ')} from ${build.module}@${build.version}`;
  if (!go) throw new ToolMissingError(build.tools.map((t) => t.tool).join(', '), `not found, and Go is not installed to build them: ${howTo}.`);
  const env = goEnv();
  const dir = mkdtempSync(join(tmpdir(), `weft-build-${build.name}-`));
  const started = Date.now();
  log(`weft: building ${build.tools.map((t) => t.binary).join(', ')} from ${build.module}@${build.version} through a wrapper module in ${dir} (takes several minutes on 2 cores; cached in ${binDir()})`);
  try {
    const info = JSON.parse(await run(go, ['mod', 'download', '-json', `${build.module}@${build.version}`], { cwd: dir, env })) as { GoMod?: string; Error?: string };
    if (!info.GoMod) throw new Error(`go mod download ${build.module}@${build.version}: ${info.Error ?? 'no go.mod'}`);
    writeFileSync(join(dir, 'go.mod'), wrapperGoMod(build, readFileSync(info.GoMod, 'utf8')));
    await runGo(go, ['get', ...packages.map((p) => `${p}@${build.version}`)], { cwd: dir, env });
    const out = join(dir, 'bin');
    mkdirSync(out);
    // One package: name the binary (go would name etcd's `server`, after its module path); several: a folder.
    const output = build.tools.length === 1 ? join(out, build.tools[0]!.binary) : `${out}/`;
    await runGo(go, ['build', '-ldflags', ['-s', '-w', ...build.ldflags].join(' '), '-o', output, ...packages], { cwd: dir, env });
    for (const tool of build.tools) installBuilt(tool, out);
  } catch (error) {
    throw new ToolMissingError(build.tools.map((t) => t.tool).join(', '), `building ${packages.join(', ')} from ${build.module}@${build.version} failed; ${howTo}.`, { cause: error });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  log(`weft: built ${build.tools.map((t) => t.binary).join(', ')} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Finds the tools of a wrapper build, building the ones missing (all at once, one build at a time per machine). */
async function ensureWrapperBuild(build: WrapperBuild, log: Log): Promise<LocatedTool[]> {
  const all = (): LocatedTool[] | undefined => {
    const found = build.tools.map((t) => findGoTool(t));
    return found.every((f) => f !== undefined) ? (found as LocatedTool[]) : undefined;
  };
  const found = all();
  if (found) return found;
  return withBuildLock(build.name, all, async () => {
    // Only the missing ones: a binary given through its env var or PATH is kept.
    const missing = build.tools.filter((t) => findGoTool(t) === undefined);
    await buildWithWrapper({ ...build, tools: missing }, log);
    return build.tools.map((t) => (missing.includes(t) ? { path: cachedGoToolPath(t), origin: 'built' as const } : findGoTool(t)!));
  });
}

/** Finds kwok (KWOK_PATH, PATH, cache), building it with `go install` (niced) when missing. */
export async function ensureKwok(log: Log = stderrLog): Promise<LocatedTool> {
  const found = findGoTool(KWOK);
  if (found) return found;
  return withBuildLock(`kwok-${KWOK.version}`, () => findGoTool(KWOK), async () => {
    const go = findGo();
    const howTo = `put \`kwok\` on PATH, set KWOK_PATH to its path, or install Go so Weft can build it with \`go install ${KWOK.goPackage}@${KWOK.version}\``;
    if (!go) throw new ToolMissingError(KWOK.tool, `not found, and Go is not installed to build it: ${howTo}.`);
    const staging = mkdtempSync(join(tmpdir(), 'weft-build-kwok-'));
    const started = Date.now();
    log(`weft: building kwok with go install ${KWOK.goPackage}@${KWOK.version} (a few minutes on 2 cores)`);
    try {
      await runGo(go, ['install', `${KWOK.goPackage}@${KWOK.version}`], { env: { ...goEnv(), GOBIN: staging } });
      installBuilt(KWOK, staging);
    } catch (error) {
      throw new ToolMissingError(KWOK.tool, `go install ${KWOK.goPackage}@${KWOK.version} failed; ${howTo}.`, { cause: error });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    log(`weft: built kwok in ${Math.round((Date.now() - started) / 1000)} s`);
    return { path: cachedGoToolPath(KWOK), origin: 'built' };
  });
}

/** The control plane's binaries, wherever they were found. */
export interface KubernetesTools {
  readonly kubeApiserver: LocatedTool;
  readonly kubeControllerManager: LocatedTool;
  readonly kubeScheduler: LocatedTool;
  readonly etcd: LocatedTool;
  readonly kwok: LocatedTool;
}

/** Finds kube-apiserver, kube-controller-manager and kube-scheduler, building the missing ones from the wrapper module. */
export async function ensureKubernetesBinaries(log: Log = stderrLog): Promise<{ kubeApiserver: LocatedTool; kubeControllerManager: LocatedTool; kubeScheduler: LocatedTool }> {
  const [kubeApiserver, kubeControllerManager, kubeScheduler] = await ensureWrapperBuild(KUBERNETES_BUILD, log);
  return { kubeApiserver: kubeApiserver!, kubeControllerManager: kubeControllerManager!, kubeScheduler: kubeScheduler! };
}

/**
 * Finds etcd without building it: ETCD_PATH, then the pinned build in the cache, then `etcd` on PATH
 * (Debian 12's `etcd-server` 3.4.23 works with kube-apiserver 1.37, which then turns off the watch
 * features that need etcd ≥ 3.5.13).
 */
export function findEtcd(): LocatedTool | undefined {
  const fromEnv = findGoTool(ETCD);
  if (fromEnv?.origin === 'env') return fromEnv;
  const cached = cachedGoToolPath(ETCD);
  if (isExecutable(cached)) return { path: cached, origin: 'cache' };
  return fromEnv;
}

/** Finds etcd ({@link findEtcd}), building {@link ETCD_VERSION} from a wrapper module when none is found. */
export async function ensureEtcd(log: Log = stderrLog): Promise<LocatedTool> {
  const found = findEtcd();
  if (found) return found;
  const [etcd] = await ensureWrapperBuild(ETCD_BUILD, log);
  return etcd!;
}

/**
 * Finds or builds every binary of the test cluster. The builds run one after the other: on 2 cores
 * two Go builds at once are no faster, and each is already niced.
 */
export async function ensureKubernetesTools(log: Log = stderrLog): Promise<KubernetesTools> {
  const kwok = await ensureKwok(log);
  const etcd = await ensureEtcd(log);
  const control = await ensureKubernetesBinaries(log);
  return { ...control, etcd, kwok };
}

/** Finds the cluster's binaries without building any; undefined when one is missing. */
export function findKubernetesTools(): KubernetesTools | undefined {
  const [kubeApiserver, kubeControllerManager, kubeScheduler, kwok] = [KUBE_APISERVER, KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER, KWOK].map((s) => findGoTool(s));
  const etcd = findEtcd();
  if (!kubeApiserver || !kubeControllerManager || !kubeScheduler || !etcd || !kwok) return undefined;
  return { kubeApiserver, kubeControllerManager, kubeScheduler, etcd, kwok };
}

/** The version line a binary prints (`Kubernetes v1.37.2`, `etcd Version: 3.4.23`, `kwok version v0.8.0 …`). */
export async function kubernetesToolVersion(path: string): Promise<string> {
  return ((await run(path, ['--version'])).split('\n')[0] ?? '').trim();
}
