import type { ClusterSpec, ModelSpec, Precision, RingVariant, Workload } from '../model/types.js';
import { evaluateLayout, placements, shortfall, type Candidate, type SearchSpace, type Slo } from './candidates.js';

/**
 * What plan optimises among the layouts that meet every limit: gpus = the fewest GPUs (then TTFT); ttft =
 * the fastest first token (then fewer GPUs); ttit = the fastest decode step; cost = the fewest GPU-seconds
 * per prefill (GPUs x TTFT: with one price per GPU-hour, the cheapest prompt).
 */
export type Objective = 'ttft' | 'ttit' | 'gpus' | 'cost';

export interface PlanInput {
  model: ModelSpec;
  cluster: ClusterSpec;
  precision: Precision;
  workload: Workload;
  slo: Slo;
  space: SearchSpace;
  objective: Objective;
}

/** A layout family (a TP size, any CP, DCP and variant) in which no candidate qualified, and its closest member. */
export interface RejectedFamily {
  family: string;
  evaluated: number;
  closest: Candidate;
}

/** The closest candidate at a GPU count below the best one: why fewer GPUs do not do. */
export interface SmallerCount {
  gpus: number;
  closest: Candidate;
}

export interface PlanResult {
  /** Layout x variant combinations evaluated. */
  evaluated: number;
  /** Candidates meeting every constraint, best first. */
  qualifying: Candidate[];
  best: Candidate | null;
  rejected: RejectedFamily[];
  /** For each GPU count below the best's where nothing qualifies (all counts when nothing does), the closest candidate. */
  smaller: SmallerCount[];
  /** Fitting candidates no other fitting one beats on both GPUs and TTFT. */
  pareto: Candidate[];
  /** When nothing qualifies: the candidate closest to qualifying. */
  closest: Candidate | null;
}

export function familyOf(c: Candidate): string {
  return c.pp > 1 ? `PP${c.pp} TP${c.layout.tp}` : `TP${c.layout.tp}`;
}

/** The quantity each objective minimises (ties: fewer GPUs, then TTFT). */
export const objectiveValue: Record<Objective, (c: Candidate) => number> = {
  gpus: (c) => c.gpus,
  ttft: (c) => c.ttftSec,
  ttit: (c) => c.ttitSec,
  cost: (c) => c.gpus * c.ttftSec,
};

/** Ranks by the objective, then GPUs used, then TTFT, then deterministically by layout. */
export function compareCandidates(objective: Objective) {
  return (a: Candidate, b: Candidate): number =>
    objectiveValue[objective](a) - objectiveValue[objective](b) ||
    a.gpus - b.gpus ||
    a.ttftSec - b.ttftSec ||
    a.pp - b.pp ||
    a.layout.tp - b.layout.tp ||
    a.layout.dcp - b.layout.dcp ||
    a.layout.ep - b.layout.ep ||
    cmp(a.layout.cpStyle ?? 'ring', b.layout.cpStyle ?? 'ring') ||
    cmp(a.variant, b.variant);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const closer = (a: Candidate, b: Candidate) => shortfall(a) - shortfall(b) || a.gpus - b.gpus || a.ttftSec - b.ttftSec;

/** Evaluates every layout in the space and ranks those that meet the SLOs. Pure. */
export function plan(input: PlanInput): PlanResult {
  const { model, cluster, precision, workload, slo, space } = input;
  const all: Candidate[] = [];
  for (const { layout, pp } of placements(model, cluster, space)) {
    all.push(...evaluateLayout(model, cluster, layout, precision, workload, slo, space.variant, pp));
  }
  const qualifying = all.filter((c) => c.violations.length === 0).sort(compareCandidates(input.objective));
  const best = qualifying[0] ?? null;

  const families = new Map<string, Candidate[]>();
  for (const c of all) {
    const members = families.get(familyOf(c));
    if (members) members.push(c);
    else families.set(familyOf(c), [c]);
  }
  const byGpus = new Map<number, Candidate[]>();
  for (const c of all) {
    const members = byGpus.get(c.gpus);
    if (members) members.push(c);
    else byGpus.set(c.gpus, [c]);
  }
  const rejected = [...families.entries()]
    .filter(([, members]) => members.every((c) => c.violations.length > 0))
    .map(([family, members]) => ({ family, evaluated: members.length, closest: [...members].sort(closer)[0]! }))
    .sort((a, b) => closer(a.closest, b.closest));

  const counts = [...byGpus.keys()].sort((a, b) => a - b);
  const smaller = counts
    .filter((g) => (best === null || g < best.gpus) && byGpus.get(g)!.every((c) => c.violations.length > 0))
    .map((gpus) => ({ gpus, closest: [...byGpus.get(gpus)!].sort(closer)[0]! }));

  const fits = (c: Candidate) => !c.violations.some((v) => v.constraint === 'memory');
  const pareto: Candidate[] = [];
  for (const gpus of counts) {
    const fastest = byGpus
      .get(gpus)!
      .filter(fits)
      .sort((a, b) => a.ttftSec - b.ttftSec)[0];
    if (fastest && (pareto.length === 0 || fastest.ttftSec < pareto[pareto.length - 1]!.ttftSec)) pareto.push(fastest);
  }
  return {
    evaluated: all.length,
    qualifying,
    best,
    rejected,
    smaller,
    pareto,
    closest: best ? null : ([...all].sort(closer)[0] ?? null),
  };
}

export type { Candidate, RingVariant };
