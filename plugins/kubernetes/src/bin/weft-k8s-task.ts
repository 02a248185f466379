#!/usr/bin/env -S node --import tsx
/**
 * `weft-k8s-task`: the command of every Job @weft/plugin-kubernetes creates. Runs the task named by
 * WEFT_TASK (see runner.ts); SIGTERM (the Job deleted: cancelled or past its time) aborts the
 * compute's signal, records the cancellation and exits 143.
 */
import { runTask } from '../runner.js';

const controller = new AbortController();
const stop = (name: string): void => controller.abort(new Error(`${name}: the task's Job was deleted (cancelled or past its time limit)`));
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));

// A compute that only awaits its signal holds nothing open: without this Node would exit 0 with
// the task still "running".
const keepAlive = setInterval(() => undefined, 1 << 30);

runTask({ signal: controller.signal }).finally(() => clearInterval(keepAlive)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // The task could not even be read or recorded (storage unreachable, a bad spec): the provider
    // sees a non-zero exit without a record.
    process.stderr.write(`weft-k8s-task: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
