import type { Benchmark } from '../benchmark.js';
import { servicesStartup } from './services-startup.js';

/** Every benchmark, by name. */
export const benchmarks: readonly Benchmark[] = [servicesStartup];
