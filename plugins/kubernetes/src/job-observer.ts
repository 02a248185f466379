/**
 * Follows one Job and its pods: a list, then watches from the list's resourceVersion (resumed from
 * the last version seen whenever the server or the network ends them; listed afresh on 410 Gone),
 * and a poll every `pollIntervalMs` besides, so a watch that hangs or drops unnoticed delays the
 * outcome by one poll at most. Each change calls `onChange`; API failures that persist past
 * `giveUpAfterMs` (or that are not transient) call `onError`.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { PodView } from './classify.js';
import { apiFailure, statusOf, type KubernetesTaskError } from './errors.js';
import type { KubeClients } from './kube-client.js';

export interface JobObserverOptions {
  readonly clients: KubeClients;
  readonly namespace: string;
  readonly jobName: string;
  readonly pollIntervalMs: number;
  /** How long API calls may keep failing (transiently) before the task fails. @default 120 s */
  readonly giveUpAfterMs?: number;
  onChange(): void;
  onError(error: KubernetesTaskError): void;
  debug?(message: string): void;
}

/** What the observer has seen of a Job. */
export class JobObserver {
  job: V1Job | undefined;
  /** The Job was listed and not found (after it had been created). */
  jobGone = false;
  readonly pods = new Map<string, PodView>();
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly watches = new Set<AbortController>();
  private failingSince: number | undefined;
  private podsVersion: string | undefined;
  private jobsVersion: string | undefined;

  constructor(private readonly options: JobObserverOptions) {}

  /** Pods by creation time, oldest first. */
  podViews(): PodView[] {
    return [...this.pods.values()].sort((a, b) => String(a.pod.metadata?.creationTimestamp ?? '').localeCompare(String(b.pod.metadata?.creationTimestamp ?? '')));
  }

  async start(): Promise<void> {
    await this.poll();
    const { namespace, jobName } = this.options;
    void this.watchLoop(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: `batch.kubernetes.io/job-name=${jobName}` }, 'pods');
    void this.watchLoop(`/apis/batch/v1/namespaces/${namespace}/jobs`, { fieldSelector: `metadata.name=${jobName}` }, 'jobs');
    const tick = (): void => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.poll().finally(tick), this.options.pollIntervalMs);
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watches) w.abort();
    this.watches.clear();
  }

  private notePod(pod: V1Pod, deleted: boolean): void {
    const name = pod.metadata?.name;
    if (!name) return;
    this.pods.set(name, { pod, deleted });
  }

  /** Lists the Job and its pods (the truth the watches only hasten). */
  async poll(): Promise<void> {
    const { clients, namespace, jobName } = this.options;
    try {
      const [jobs, pods] = await Promise.all([
        clients.batch.listNamespacedJob({ namespace, fieldSelector: `metadata.name=${jobName}` }),
        clients.core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${jobName}` }),
      ]);
      if (this.stopped) return;
      this.failingSince = undefined;
      this.job = jobs.items[0] ?? this.job;
      this.jobGone = jobs.items.length === 0;
      this.jobsVersion ??= jobs.metadata?.resourceVersion;
      this.podsVersion ??= pods.metadata?.resourceVersion;
      const listed = new Set<string>();
      for (const pod of pods.items) {
        listed.add(pod.metadata?.name ?? '');
        this.notePod(pod, false);
      }
      // A pod seen before and no longer listed was deleted (its last state is kept).
      for (const [name, view] of this.pods) if (!listed.has(name) && !view.deleted) this.pods.set(name, { pod: view.pod, deleted: true });
      this.options.onChange();
    } catch (error) {
      if (this.stopped) return;
      const failure = apiFailure(`reading Job ${namespace}/${jobName}`, error, { namespace, job: jobName });
      this.failingSince ??= Date.now();
      const giveUp = this.options.giveUpAfterMs ?? 120_000;
      if (failure.failureClass === 'actionable' || Date.now() - this.failingSince > giveUp) this.options.onError(failure);
      else this.options.debug?.(`${failure.message}; trying again`);
    }
  }

  private async watchLoop(path: string, params: Record<string, string>, kind: 'pods' | 'jobs'): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const version = kind === 'pods' ? this.podsVersion : this.jobsVersion;
      const startedAt = Date.now();
      let current: AbortController | undefined;
      const ended = await new Promise<unknown>((resolve) => {
        this.options.clients.watch
          .watch(
            path,
            // The server ends each watch after timeoutSeconds: it is resumed from the last version seen.
            { ...params, allowWatchBookmarks: true, timeoutSeconds: 60, ...(version ? { resourceVersion: version } : {}) },
            (type: string, object: { metadata?: { resourceVersion?: string; name?: string }; code?: number }) => {
              if (type === 'ERROR') {
                // 410 Gone: the version is too old; list afresh and watch from there.
                if (object.code === 410) {
                  if (kind === 'pods') this.podsVersion = undefined;
                  else this.jobsVersion = undefined;
                }
                return;
              }
              const rv = object.metadata?.resourceVersion;
              if (rv) {
                if (kind === 'pods') this.podsVersion = rv;
                else this.jobsVersion = rv;
              }
              if (type === 'BOOKMARK' || this.stopped) return;
              failures = 0;
              if (kind === 'pods') this.notePod(object as V1Pod, type === 'DELETED');
              else if (type === 'DELETED') this.jobGone = true;
              else this.job = object as V1Job;
              this.options.onChange();
            },
            resolve,
          )
          .then((controller) => {
            current = controller;
            this.watches.add(controller);
            if (this.stopped) controller.abort();
          }, resolve);
      });
      if (current) this.watches.delete(current);
      if (this.stopped) return;
      if (ended) {
        failures++;
        this.options.debug?.(`watch of ${kind} ended: ${ended instanceof Error ? ended.message : String(ended)} (HTTP ${statusOf(ended) ?? '-'})`);
        // Back off on repeated failures (the poll keeps the outcome coming meanwhile).
        await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** Math.min(failures, 6))));
      } else if (Date.now() - startedAt < 1000) {
        // Closed at once without an error (a proxy that does not stream): no hot loop.
        await new Promise((r) => setTimeout(r, 1000));
      }
      const stale = kind === 'pods' ? this.podsVersion === undefined : this.jobsVersion === undefined;
      if (stale) await this.poll();
    }
  }
}
