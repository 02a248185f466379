import type { Benchmark } from '../benchmark.js';
import { apiLineageBench } from './api-lineage.js';
import { apiSummaryBench } from './api-summary.js';
import { lineageQueryBench } from './lineage-query.js';
import { lineageWritesBench } from './lineage-writes.js';
import { minimalityBench } from './minimality.js';
import { plannerBench } from './planner.js';
import { reactionBench } from './reaction.js';
import { retentionBench } from './retention.js';
import { throughputBench } from './throughput.js';
import { servicesStartup } from './services-startup.js';
import { uiHeatmapBench } from './ui-heatmap.js';
import { vsDagsterBench } from './vs-dagster.js';

/** Every benchmark, by name. */
export const benchmarks: readonly Benchmark[] = [plannerBench, minimalityBench, servicesStartup, lineageWritesBench, lineageQueryBench, retentionBench, throughputBench, reactionBench, apiLineageBench, apiSummaryBench, uiHeatmapBench, vsDagsterBench];
