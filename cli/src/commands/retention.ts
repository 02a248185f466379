import { AgeError, formatAge, loadDefinitions, MIN_DETAIL_AGE_MS, parseAge, textOrderedAssets, type RetentionPolicy } from '@weft/core';
import { ProvenanceStore, type PlannerCursor, type PruneResult } from '@weft/store';
import { withDatabase, type Output } from '../database.js';
import { OptionError } from '../options.js';
import { loadProject } from '../project.js';

/** How recently a planner must have saved a plan for `weft locations --forget` to call it alive. */
export const ACTIVE_WITHIN_MS = 15 * 60_000;

export interface PruneOptions {
  readonly events?: string;
  readonly detail?: string;
  readonly checks?: string;
  readonly dryRun: boolean;
  /** Print `{"dryRun","removed":{…counts},"slowestPlanner"}` instead of sentences. */
  readonly json?: boolean;
  /** A project folder: its definitions say which assets' ranges can be kept exactly. */
  readonly dir?: string;
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * `weft prune`: applies a retention policy to the database at DATABASE_URL. Ages are given like
 * `30d`; a dry run counts what would go inside a transaction it rolls back.
 */
export async function runPrune(options: PruneOptions, out: Output, now = Date.now()): Promise<number> {
  const age = (text: string, flag: string, min?: number): number => {
    try {
      return parseAge(text, flag, min === undefined ? {} : { min });
    } catch (error) {
      throw error instanceof AgeError ? new OptionError(error.message) : error;
    }
  };
  const policy: RetentionPolicy = {
    ...(options.events === undefined ? {} : { eventsOlderThanMs: age(options.events, '--events') }),
    // A run may still be reading a materialization superseded a moment ago: keep an hour at least.
    ...(options.detail === undefined ? {} : { detailOlderThanMs: age(options.detail, '--detail', MIN_DETAIL_AGE_MS) }),
    ...(options.checks === undefined ? {} : { checksOlderThanMs: age(options.checks, '--checks') }),
  };
  if (Object.keys(policy).length === 0) throw new OptionError('prune needs --events <age>, --detail <age> and/or --checks <age> (ages like 30d, 12h)');
  const orderedAssets = options.dir === undefined ? [] : textOrderedAssets(loadDefinitions((await loadProject(options.dir)).definitions));
  return withDatabase('prune', out, async (db) => {
    const store = new ProvenanceStore(db);
    if (!options.json) out.log(`weft prune: ${options.dryRun ? 'counting what would be removed (dry run)' : 'pruning'}: ${describePolicy(policy)}…`);
    const result = await store.prune(policy, now, { dryRun: options.dryRun, orderedAssets });
    // Events (and superseded materializations) wait for the slowest planner: say which one it is.
    const cursors = await store.plannerCursors();
    const slowest = cursors[0];
    if (options.json) {
      out.log(JSON.stringify({ dryRun: options.dryRun, policy, removed: result, slowestPlanner: slowest ? { ...slowest, updatedAt: new Date(slowest.updatedAt).toISOString() } : null }));
      return 0;
    }
    out.log(`weft prune: ${options.dryRun ? 'would remove' : 'removed'} ${describeResult(result)}`);
    if (!slowest && (policy.eventsOlderThanMs !== undefined || policy.detailOlderThanMs !== undefined)) {
      out.log('weft prune: no planner has saved a cursor yet, so no event and no superseded materialization can go: every one is still unread');
    } else if (slowest && slowest.eventsBehind > 0 && now - slowest.updatedAt > ACTIVE_WITHIN_MS) {
      out.log(
        `weft prune: the planner of location ${JSON.stringify(slowest.location)} last planned ${formatAge(now - slowest.updatedAt)} ago and has ${count(slowest.eventsBehind)} events of its own unread; ` +
          `events and superseded materializations after event ${slowest.readThrough} are kept until it reads them. If that location is gone: weft locations --forget ${shellWord(slowest.location)}`,
      );
    }
    return 0;
  });
}

/** `weft locations`: each code location's planner cursor, the one holding retention back first; `--forget` removes a gone location's. */
export async function runLocations(options: { forget?: string | undefined; force: boolean; json?: boolean }, out: Output, now = Date.now()): Promise<number> {
  return withDatabase('locations', out, async (db) => {
    const store = new ProvenanceStore(db);
    if (options.forget !== undefined) {
      const outcome = await store.forgetLocation(options.forget, options.force ? {} : { idleSince: now - ACTIVE_WITHIN_MS });
      if (outcome === 'forgotten') {
        out.log(`weft locations: forgot location ${JSON.stringify(options.forget)}; retention no longer waits for its planner`);
        return 0;
      }
      if (outcome === 'active') {
        out.error(
          `weft locations: the planner of location ${JSON.stringify(options.forget)} planned within the last ${formatAge(ACTIVE_WITHIN_MS)}: it looks alive, so it was kept. ` +
            'Stop its workers first, or pass --force.',
        );
        return 1;
      }
      const known = (await store.plannerCursors()).map((c) => JSON.stringify(c.location));
      out.error(`weft locations: no planner cursor for location ${JSON.stringify(options.forget)} (known: ${known.length ? known.join(', ') : 'none'})`);
      return 1;
    }
    const cursors = await store.plannerCursors();
    if (options.json) out.log(JSON.stringify({ locations: cursors.map((c) => ({ ...c, updatedAt: new Date(c.updatedAt).toISOString() })) }));
    else out.log(cursors.length === 0 ? 'weft locations: no planner has run yet' : formatCursors(cursors, now));
    return 0;
  });
}

function describePolicy(policy: RetentionPolicy): string {
  const parts: string[] = [];
  if (policy.eventsOlderThanMs !== undefined) parts.push(`events older than ${formatAge(policy.eventsOlderThanMs)}`);
  if (policy.detailOlderThanMs !== undefined) parts.push(`superseded materializations, attempts and their log lines older than ${formatAge(policy.detailOlderThanMs)}`);
  if (policy.checksOlderThanMs !== undefined) parts.push(`check results of past data versions older than ${formatAge(policy.checksOlderThanMs)}`);
  return parts.join('; ');
}

function describeResult(r: PruneResult): string {
  return `${count(r.events)} events, ${count(r.materializations)} superseded materializations (with their input edges), ${count(r.attempts)} attempts, ${count(r.logs)} log lines, ${count(r.checks)} check results`;
}

/** A table of cursors, the one furthest behind first. */
export function formatCursors(cursors: readonly PlannerCursor[], now: number): string {
  const rows = [['location', 'cursor', 'read through', 'events behind', 'last plan'], ...cursors.map((c) => [c.location, String(c.cursor), String(c.readThrough), count(c.eventsBehind), `${formatAge(now - c.updatedAt)} ago`])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => `  ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`).join('\n');
}

/** A location name as one shell word. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
