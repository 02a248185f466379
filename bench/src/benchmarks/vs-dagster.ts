/**
 * Weft against Dagster on the same workload, in one run (bench/src/vs-dagster/, bench/python/vs_dagster.py).
 *
 * Workload: 10 chains of a daily source → `cleaned` (its day) → `monthly` (rollup of cleaned's
 * days) and `rolling_7d` (7-day window of cleaned), `scale` daily partitions per daily asset,
 * trivial computes. Dagster 1.13 (pinned, in a virtualenv made once under ~/.cache/weft) on a
 * PostgreSQL instance of its own; Weft's planner in memory and its real workers on PostgreSQL +
 * the Temporal dev server. The systems alternate: Weft decides, Dagster decides and materializes,
 * Weft materializes; then per change: Weft's planner, Dagster, Weft's workers.
 *
 * - plan: every source partition known, the decisions until nothing is left to run, summed
 *   (Dagster: `AutomationCondition.eager()` without `in_latest_time_window` through
 *   `evaluate_automation_conditions`, with the requested runs between ticks; Weft: `Planner.apply`
 *   + `plan`, with the started partitions succeeding between plans). Both must decide exactly every
 *   partition of the workload.
 * - materialize: from empty to everything materialized (Dagster: the ticks' requests run in-process
 *   as single-run backfills, `BackfillPolicy.single_run()`, runs summed; Weft: its workers from the
 *   loop's wake to the last commit, the committed set checked exactly).
 * - replan: one source partition changes; the first decision after it.
 * - react: that change until every affected partition is materialized again (Weft: measured on its
 *   workers from the push call; Dagster: computed from its measured ticks and runs plus its default
 *   30 s sensor interval, see dagster-react.ts).
 * - recomputed: after the change, by each, checked against the closure worked out from the shape.
 * - memory: peak RSS of each side's processes.
 *
 * A Dagster command past `LIMIT_MS` is a figure, not a failure: `dagster.<step>` records
 * `{ timedOut, limitMs, command, runEventsAtLimit, completed }` (how far its runs had come, the
 * ticks finished before), Dagster's part ends there, and the ratios it cannot give become lower
 * bounds (`planAtLeast`, `materializeAtLeast`). A failure of either side is a problem (`ok: false`),
 * but the result is still printed with every figure measured.
 */
import { cpus, loadavg } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { checked, type Benchmark } from '../benchmark.js';
import { dagsterReaction, type DagsterTick } from '../vs-dagster/dagster-react.js';
import { DagsterSession, DagsterTimeout, type DagsterAnswer } from '../vs-dagster/dagster-session.js';
import { ensureDagsterVenv } from '../vs-dagster/python-env.js';
import { postmasterPid, RssSampler } from '../vs-dagster/rss-sampler.js';
import { vsRatios, type SideFigures } from '../vs-dagster/ratios.js';
import { printTable, requestedOnce, sameSets } from '../vs-dagster/report.js';
import { summarize, WeftPlannerRun, type KeySummary } from '../vs-dagster/weft-planner.js';
import { WeftWorkersRun } from '../vs-dagster/weft-workers.js';
import { VsWorkload } from '../vs-dagster/workload.js';

/** A Dagster step (a tick, or a tick's runs) that takes longer than this is recorded as timed out ($WEFT_VS_DAGSTER_LIMIT_MS). */
const LIMIT_MS = Number(process.env['WEFT_VS_DAGSTER_LIMIT_MS'] || 600_000);
/** Source partitions changed, one at a time (chains 0, 1, 2: the same day). */
const CHANGES = 3;

const median = (xs: readonly number[]): number | null => (xs.length === 0 ? null : ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number));
const load = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;

export const vsDagsterBench: Benchmark = {
  name: 'vs-dagster',
  description: 'Weft vs Dagster 1.13 (eager automation, single-run backfills, PostgreSQL) on 10 chains source → daily → monthly rollup + 7-day window: decide, materialize, replan, react, recomputed set, memory (scale = days)',
  defaultScale: 1_000,
  smokeScale: 40,
  async run({ scale, log }) {
    const days = Math.max(40, Math.round(scale));
    const w = new VsWorkload(days);
    const problems: string[] = [];
    const loads: Record<string, number> = { start: load() };
    const venv = await ensureDagsterVenv(log);
    const expected = summarize(new Map([...w.firstWave(), ...w.secondWave()]));
    const day = w.changedDay();
    const weft: Record<string, unknown> = {};
    const dagster: Record<string, unknown> = { version: undefined, storage: 'PostgreSQL (dagster-postgres)', python: venv.pythonVersion, venvCreatedMs: venv.createdMs, venv: venv.dir };
    let session: DagsterSession | undefined;
    let workers: WeftWorkersRun | undefined;
    let dagsterPg = 0;
    let dagsterRss = 0;
    const sampler = new RssSampler({ dagster: () => (session ? [session.pid, dagsterPg] : []) }, 'weft');
    /**
     * A Dagster command within the limit. A timeout is a figure (which command, how far Dagster's
     * runs had come, its peak RSS); a failure is a problem. Either ends Dagster's part (the process
     * is stopped), the rest of the run goes on.
     */
    const dagsterStep = async (label: string, command: Record<string, unknown> & { cmd: string }): Promise<DagsterAnswer | undefined> => {
      if (!session) return undefined;
      const started = performance.now();
      try {
        const answer = await session.send(command, LIMIT_MS);
        dagsterRss = Math.max(dagsterRss, answer.maxRssMb);
        return answer;
      } catch (error) {
        const stopped = session;
        session = undefined;
        if (error instanceof DagsterTimeout) {
          dagsterRss = Math.max(dagsterRss, error.peakRssMb);
          const events = await stopped.runEventCounts().catch((e: unknown) => ({ unreadable: e instanceof Error ? e.message : String(e) }));
          dagster[label] = { timedOut: true, limitMs: LIMIT_MS, command: command.cmd, runEventsAtLimit: events };
          log(`dagster ${label}: ${command.cmd} not finished within ${LIMIT_MS / 1000} s, recorded as timed out (its runs' events by then: ${JSON.stringify(events)})`);
        } else {
          const message = error instanceof Error ? error.message : String(error);
          dagster[label] = { failed: message.split('\n')[0], command: command.cmd, afterMs: Math.round(performance.now() - started) };
          problems.push(`dagster ${label}: ${message}`);
          log(`dagster ${label}: ${command.cmd} failed: ${message}`);
        }
        await stopped.close();
        return undefined;
      }
    };
    /** Ticks, each followed by the runs it requested, until a tick requests nothing; undefined when a step timed out. */
    const dagsterUntilIdle = async (label: string): Promise<{ ticks: DagsterTick[]; decided: Record<string, { count: number; sha256: string }> } | undefined> => {
      const ticks: DagsterTick[] = [];
      while (ticks.length < 10) {
        const t = await dagsterStep(label, { cmd: 'tick' });
        if (!t) {
          if (dagster[label]) dagster[label] = { ...(dagster[label] as object), completed: ticks };
          return undefined;
        }
        const requested = t['requested'] as Record<string, unknown>;
        const r = Object.keys(requested).length > 0 ? await dagsterStep(label, { cmd: 'runs' }) : { runsMs: [] };
        if (!r) {
          if (dagster[label]) dagster[label] = { ...(dagster[label] as object), completed: [...ticks, { evalMs: t['evalMs'], requested }] };
          return undefined;
        }
        ticks.push({ evalMs: t['evalMs'] as number, requested, runsMs: r['runsMs'] as number[] });
        if (Object.keys(requested).length === 0) break;
      }
      const d = await dagsterStep(label, { cmd: 'decided' });
      return d ? { ticks, decided: d['decided'] as Record<string, { count: number; sha256: string }> } : undefined;
    };
    try {
      // ─── decide from scratch: Weft's planner ────────────────────────────────────────────────
      const planner = new WeftPlannerRun(w);
      const firstWeft = planner.first();
      const scratch = planner.scratch();
      const count = (requested: Record<string, unknown>): number => Object.values(requested as Record<string, { count: number }>).reduce((n, v) => n + v.count, 0);
      Object.assign(weft, { planMs: scratch.planMs, firstDecisionMs: scratch.ticks[0]?.evalMs, firstDecisionPartitions: count(scratch.ticks[0]?.requested ?? {}), idleTickMs: scratch.idleTickMs, planTicksMs: scratch.ticks.map((t) => t.evalMs) });
      sameSets('weft plan from scratch', scratch.decided, expected, problems);
      if (Object.keys(firstWeft.requested).length > 0) problems.push('weft: a plan before any data started something');
      log(`weft plan: ${scratch.planMs.toFixed(1)} ms over ${scratch.ticks.length - 1} plans (${scratch.ticks.map((t) => t.evalMs.toFixed(1)).join(', ')} ms)`);
      loads['weftPlan'] = load();

      // ─── decide and materialize from scratch: Dagster ───────────────────────────────────────
      session = await DagsterSession.start(venv);
      dagsterPg = postmasterPid(session.postgresDataDir);
      const setup = await dagsterStep('setup', { cmd: 'setup', chains: w.chains.length, start: w.start, monthStart: w.monthStart, end: w.end });
      if (setup) {
        Object.assign(dagster, { version: setup['dagster'], definitionsMs: setup['definitionsMs'], sourceEventsMs: setup['sourceEventsMs'], sourceEvents: setup['sourceEvents'] });
        if (setup['firstTickRequested'] !== 0) problems.push(`dagster: the tick before any data requested ${String(setup['firstTickRequested'])} partitions`);
        log(`dagster setup: definitions ${String(setup['definitionsMs'])} ms, ${String(setup['sourceEvents'])} source events in ${String(setup['sourceEventsMs'])} ms`);
      }
      const fromScratch = await dagsterUntilIdle('scratch');
      loads['dagsterScratch'] = load();
      const materializedAnswer = fromScratch ? await dagsterStep('scratch', { cmd: 'materialized' }) : undefined;
      if (fromScratch && materializedAnswer) {
        const { ticks } = fromScratch;
        const requesting = ticks.filter((t) => Object.keys(t.requested).length > 0);
        const planMs = Math.round(requesting.reduce((n, t) => n + t.evalMs, 0) * 10) / 10;
        const materializeMs = Math.round(ticks.reduce((n, t) => n + t.runsMs.reduce((a, b) => a + b, 0), 0) * 10) / 10;
        Object.assign(dagster, { planMs, firstDecisionMs: ticks[0]?.evalMs, firstDecisionPartitions: count(ticks[0]?.requested ?? {}), materializeMs, idleTickMs: ticks.at(-1)?.evalMs, planTicksMs: ticks.map((t) => t.evalMs), runsMs: ticks.flatMap((t) => t.runsMs) });
        sameSets('dagster plan from scratch', fromScratch.decided, expected, problems);
        const materialized = materializedAnswer['materialized'] as Record<string, number>;
        const short = Object.entries(expected).filter(([k, v]) => materialized[k] !== v.count);
        if (short.length > 0) problems.push(`dagster: materialized partitions differ from the workload's: ${short.map(([k, v]) => `${k} ${materialized[k]} of ${v.count}`).join(', ')}`);
        log(`dagster plan ${planMs} ms over ${requesting.length} ticks (${ticks.map((t) => t.evalMs).join(', ')} ms), materialize ${materializeMs} ms (runs ${ticks.flatMap((t) => t.runsMs).join(', ')} ms)`);
      } else if (dagster['scratch']) {
        const partial = (dagster['scratch'] as { completed?: DagsterTick[] }).completed ?? [];
        if (partial[0]) Object.assign(dagster, { firstDecisionMs: partial[0].evalMs, firstDecisionPartitions: count(partial[0].requested) });
        // What it decided before the limit is checked too: here every asset is decided whole, by one tick.
        const decidedSoFar = requestedOnce(partial);
        sameSets('dagster plan from scratch (the ticks before the limit)', decidedSoFar, Object.fromEntries(Object.keys(decidedSoFar).map((k) => [k, expected[k] as KeySummary])), problems);
        log(`dagster from scratch: timed out (${JSON.stringify(dagster['scratch']).slice(0, 400)})`);
      }

      // ─── materialize from empty: Weft's workers ─────────────────────────────────────────────
      workers = await WeftWorkersRun.start(w);
      log(`weft: services and worker up (${workers.env.temporalVersion}); materializing ${w.assetPartitions} partitions…`);
      // (A failure here is a problem of the run, but Dagster's figures so far are still printed.)
      let weftMaterialized = false;
      try {
        const m = await workers.materialize(log);
        const { problems: exactProblems, ...exact } = m.check;
        Object.assign(weft, { materializeMs: m.materializeMs, partitionsPerSecond: m.perSecond, exactSet: exact });
        if (!m.check.exact) problems.push(...exactProblems.slice(0, 10).map((p) => `weft materialize: ${p}`));
        log(`weft materialize: ${m.partitions} partitions in ${m.materializeMs} ms (${m.perSecond}/s), exact ${m.check.exact}`);
        weftMaterialized = true;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        weft['materialize'] = { failed: message };
        problems.push(`weft materialize: ${message}`);
        log(`weft materialize failed: ${message}`);
      }
      loads['weftMaterialize'] = load();

      // ─── one source partition changes: replan, react, recomputed ────────────────────────────
      const samples: Array<Record<string, unknown>> = [];
      for (let k = 0; k < CHANGES; k++) {
        const closure = summarize(w.closure(w.chains[k] as VsWorkload['chains'][number], day));
        const value = w.sourceValue(k, w.dayKeys.indexOf(day)) + 1 + k;
        const sample: Record<string, unknown> = { chain: k, day };
        const wp = planner.change(k, day, value);
        sample['weftReplanMs'] = wp.ticks[0]?.evalMs;
        sameSets(`weft planner, change ${k + 1}`, wp.recomputed, closure, problems);
        const dg = (await dagsterStep('change', { cmd: 'change', asset: w.chains[k]?.source, partition: day })) ? await dagsterUntilIdle('change') : undefined;
        if (dg) {
          const ticks = dg.ticks;
          const reaction = dagsterReaction(ticks);
          Object.assign(sample, { dagsterReplanMs: ticks[0]?.evalMs, dagsterReactMs: reaction.expectedMs, dagsterReactBestMs: reaction.bestMs, dagsterTicks: reaction.ticks, dagsterRunsMs: ticks.flatMap((t) => t.runsMs) });
          dagster['reactMethod'] = reaction.method;
          sameSets(`dagster, change ${k + 1}`, dg.decided, closure, problems);
          sample['dagsterRecomputed'] = Object.values(dg.decided).reduce((n, v) => n + v.count, 0);
        }
        sample['closure'] = Object.values(closure).reduce((n, v) => n + v.count, 0);
        if (weftMaterialized) {
          try {
            const r = await workers.react(k, day, value, w.closure(w.chains[k] as VsWorkload['chains'][number], day));
            sameSets(`weft workers, change ${k + 1}`, r.recomputed, closure, problems);
            Object.assign(sample, { weftReactMs: r.reactMs, weftRecomputed: Object.values(r.recomputed).reduce((n, v) => n + v.count, 0) });
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            sample['weftReactFailed'] = message;
            problems.push(`weft workers, change ${k + 1}: ${message}`);
          }
        }
        samples.push(sample);
        log(`change ${k + 1}: ${JSON.stringify(sample)}`);
      }
      loads['changes'] = load();
      const pick = (key: string): number[] => samples.map((s) => s[key]).filter((v): v is number => typeof v === 'number');
      Object.assign(weft, { replanMs: median(pick('weftReplanMs')), reactMs: median(pick('weftReactMs')), recomputed: median(pick('weftRecomputed')), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20) });
      Object.assign(dagster, { replanMs: median(pick('dagsterReplanMs')), reactMs: median(pick('dagsterReactMs')), reactBestMs: median(pick('dagsterReactBestMs')), recomputed: median(pick('dagsterRecomputed')) });
      sampler.sample();
      Object.assign(dagster, { maxRssMb: dagsterRss, memory: sampler.peak('dagster') });
      Object.assign(weft, { memory: sampler.peak('weft') });
      const ratios = vsRatios(weft as SideFigures, dagster as SideFigures, dagster['scratch']);
      const result = { days, partitions: w.assetPartitions + w.chains.length * days, changes: samples, weft, dagster, ratios, load: loads, cpus: cpus().length };
      printTable(result, log);
      return checked(result, problems);
    } finally {
      sampler.stop();
      await session?.close();
      await workers?.close();
    }
  },
};
