/**
 * A plan (dry run, issue #17): per host, what each job of a submission would do — run, be skipped
 * as cached, be done once elsewhere (`--run-once`), or wait for an offline host — and the waves,
 * without running anything. The agents answer a read-only query of their job cache.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Sha224Schema } from './jobs.js';

/** `/agent` `cache:query`: which of these job SHAs the agent holds a result for (reads only). */
export const CacheQuerySchema = Type.Object({ shas: Type.Array(Sha224Schema, { maxItems: 20_000 }) });
export type CacheQuery = Static<typeof CacheQuerySchema>;
/** Per SHA: the cached outcome, or null when the agent holds none. */
export type CacheStates = Readonly<{ states: Readonly<Record<string, 'succeeded' | 'failed' | null>> }>;

export type PlanCell = 'will-run' | 'cached' | 'run-once-done' | 'host-offline' | 'not-targeted' | 'skipped';

export type PlanStep = Readonly<{
  entry: number;
  entryName: string | null;
  verb: string;
  text: string;
  name: string | null;
  sha: string;
  runOnce: boolean;
  skipCache: boolean;
}>;

export type PlanHost = Readonly<{ host: string; online: boolean; cells: readonly PlanCell[] }>;

export type PlanWaves = Readonly<{
  entry: number;
  name: string | null;
  mode: 'serial' | 'concurrency';
  waves: readonly (readonly string[])[];
  shuffled: boolean;
}>;

export type RunPlan = Readonly<{ steps: readonly PlanStep[]; hosts: readonly PlanHost[]; waves: readonly PlanWaves[] }>;

export const PLAN_CELL_TEXT: Readonly<Record<PlanCell, string>> = {
  'will-run': 'will run',
  cached: 'cached — skipped',
  'run-once-done': 'run-once — done',
  'host-offline': 'host offline',
  'not-targeted': '—',
  skipped: 'not selected',
};
