/**
 * The kubernetes plugin's options (zod): where and how each task's Job runs. Validated when the
 * plugin is configured; an error names the plugin and the field (`resources.limits.memory: …`).
 */
import { isSecret, PluginError, secret, z, type SecretRef } from '@weft/core';

/** A DNS-1123 label: namespaces, container and Secret names. */
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS-1123 label (lower-case letters, digits and -, at most 63)');
/** A DNS-1123 subdomain: service accounts, priority classes, Secrets. */
const dnsSubdomain = z.string().max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 subdomain (lower-case letters, digits, - and .)');
/** A qualified name (`app.kubernetes.io/name`): label and annotation keys. */
const qualifiedName = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a qualified name like example.com/name (at most 63 characters after the prefix)');
const labelValue = z.string().regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, 'must be a label value (at most 63 letters, digits, -, _ and ., starting and ending alphanumeric)');
/** A resource quantity: `500m`, `2`, `1.5Gi`, `512Mi`. */
const quantity = z.union([
  z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, 'must be a Kubernetes quantity like 500m, 2, 512Mi or 1.5Gi'),
  z.number().positive(),
]);
const resourceList = z.record(z.string().regex(/^([a-z0-9.-]+\/)?[a-z0-9-]+$/, 'must be a resource name like cpu, memory or nvidia.com/gpu'), quantity);

const toleration = z
  .object({
    key: qualifiedName.optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: labelValue.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().nonnegative().optional(),
  })
  .strict()
  .refine((t) => !(t.operator === 'Exists' && t.value !== undefined), { message: 'a toleration with operator Exists takes no value' })
  .refine((t) => t.key !== undefined || t.operator === 'Exists', { message: 'a toleration without a key must have operator Exists' });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be an environment variable name');
/** A variable from a Kubernetes Secret, by name and key. */
const secretKeyRef = z.object({ secretKeyRef: z.object({ name: dnsSubdomain, key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key'), optional: z.boolean().optional() }).strict() }).strict();
const envValue = z.union([z.string(), secret(), secretKeyRef]);

/** What `kubernetes({...})` takes. */
export const kubernetesOptionsSchema = z
  .object({
    /** The image holding the project (its `weft.config` and asset modules) and `weft-k8s-task`. */
    image: z.string().min(1).regex(/^[^\s]+$/, 'must be an image reference without spaces'),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
    imagePullSecrets: z.array(dnsSubdomain).optional(),
    /** @default 'default' */
    namespace: dnsLabel.default('default'),
    serviceAccount: dnsSubdomain.optional(),
    priorityClassName: dnsSubdomain.optional(),
    /** The container's command. @default ['weft-k8s-task'] */
    command: z.array(z.string().min(1)).min(1).default(['weft-k8s-task']),
    /** Path of the project's `weft.config` inside the image (the task runner reads its storage from it). */
    configPath: z.string().min(1).optional(),
    workingDir: z.string().min(1).optional(),
    /**
     * Where the project's code is on the worker and in the image, when the paths differ: a compute's
     * module path under `worker` is run from the same path under `image`.
     */
    codeRoot: z.object({ worker: z.string().startsWith('/', 'must be an absolute path'), image: z.string().startsWith('/', 'must be an absolute path') }).strict().optional(),
    resources: z.object({ requests: resourceList.optional(), limits: resourceList.optional() }).strict().optional(),
    nodeSelector: z.record(qualifiedName, labelValue).optional(),
    tolerations: z.array(toleration).optional(),
    /**
     * The container's environment: plain values; `env('NAME')`, which becomes a reference to key
     * NAME of the Kubernetes Secret `envSecret` (the value is never read here nor written into the
     * Job); or `{ secretKeyRef: { name, key } }`.
     */
    env: z.record(envName, envValue).optional(),
    /** The Kubernetes Secret that `env('NAME')` values are read from, key NAME. */
    envSecret: dnsSubdomain.optional(),
    /** Cluster-side time limit of each Job (the task's own limit is enforced too). */
    activeDeadlineSeconds: z.number().int().positive().optional(),
    /** Always 0: Weft retries transient failures itself, with the asset's retry policy. */
    backoffLimit: z.literal(0, { message: 'must be 0: Weft retries failed tasks itself (set the asset\'s retry policy instead)' }).default(0),
    /** Kubernetes deletes a finished Job this long after it ends (a backstop for kept Jobs). @default 3600 */
    ttlSecondsAfterFinished: z.number().int().nonnegative().default(3600),
    /** What to do with a finished Job: delete it, keep failed ones (for `kubectl describe`), or keep all. @default 'delete' */
    cleanup: z.enum(['delete', 'keep-failed', 'keep']).default('delete'),
    /** Labels and annotations of every Job and its pods. */
    labels: z.record(qualifiedName, labelValue).optional(),
    annotations: z.record(qualifiedName, z.string()).optional(),
    /** Key prefix of the task and result objects in the project's storage. @default 'weft-kubernetes' */
    storagePrefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/, 'must be a key prefix (letters, digits, _ . / -)').default('weft-kubernetes'),
    /** How long a container may wait on an image pull (ErrImagePull, ImagePullBackOff) before the task fails as transient. @default 60 */
    imagePullGraceSeconds: z.number().int().nonnegative().default(60),
    /** How often the Job is read besides the watch (the watch may drop). @default 5000 */
    pollIntervalMs: z.number().int().min(100).max(60_000).default(5000),
    /** A kubeconfig file and context. @default KUBECONFIG, else in-cluster, else ~/.kube/config */
    kubeconfig: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
  })
  .strict()
  .refine((o) => o.envSecret !== undefined || !Object.values(o.env ?? {}).some(isSecret), {
    message: 'env has secret references (env("NAME")): set envSecret to the Kubernetes Secret that holds them (key NAME)',
    path: ['envSecret'],
  });

/** The options as given. */
export type KubernetesOptions = z.input<typeof kubernetesOptionsSchema>;
/** The options with defaults applied. */
export type KubernetesSettings = z.output<typeof kubernetesOptionsSchema>;
export type { SecretRef };

/** The plugin's npm name, in messages. */
export const PLUGIN_NAME = '@weft/plugin-kubernetes';

/** Validates `raw` (as `kubernetes({...})` does): a PluginError naming each bad field. */
export function parseKubernetesOptions(raw: unknown): KubernetesSettings {
  const result = kubernetesOptionsSchema.safeParse(raw);
  if (result.success) return result.data;
  const fieldOf = (path: readonly PropertyKey[]): string => path.map(String).join('.') || 'options';
  // A bad record key (zod's "Invalid key in record") carries the key's own problem inside.
  const messageOf = (i: { message: string; issues?: readonly { message: string }[] }): string => i.issues?.[0]?.message ?? i.message;
  const problems = result.error.issues.map((i) => `${fieldOf(i.path)}: ${messageOf(i as { message: string; issues?: readonly { message: string }[] })}`).join('; ');
  throw new PluginError('plugin.bad_option', `plugin ${PLUGIN_NAME}: bad options: ${problems}`, { plugin: PLUGIN_NAME, field: fieldOf(result.error.issues[0]?.path ?? []) });
}
