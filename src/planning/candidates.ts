import { estimateDecode } from '../model/decode.js';
import { layoutOrProblem, withoutCp } from '../model/layout.js';
import { memoryParts } from '../model/memory.js';
import { estimatePipelineLayout } from '../model/pipeline.js';
import { chunkedPrefillSec, prefillChunkOf } from '../model/prefill-chunked.js';
import type { ClusterSpec, CpStyle, Layout, ModelSpec, Precision, RingVariant, Workload } from '../model/types.js';

export interface Slo {
  maxTtftSec?: number;
  maxTtitSec?: number;
  /** Aggregate decode tokens per second across the batch. */
  minTokensPerSec?: number;
}

export type Constraint = 'memory' | 'ttft' | 'ttit' | 'throughput';

export interface Violation {
  constraint: Constraint;
  actual: number;
  limit: number;
  /** How far off, as a factor >= 1 (actual/limit, or limit/actual for a minimum). */
  factor: number;
}

/** One layout and ring variant, evaluated. */
export interface Candidate {
  /** One pipeline stage's layout (the whole layout when pp is 1). */
  layout: Layout;
  /** Pipeline stages (1: no PP). */
  pp: number;
  /** GPUs used: the stage's GPUs times the stages. */
  gpus: number;
  variant: RingVariant;
  ttftSec: number;
  ttitSec: number;
  tokensPerSec: number;
  memoryBytes: number;
  capacityBytes: number;
  violations: Violation[];
}

export interface SearchSpace {
  maxNodes: number;
  maxGpus?: number;
  /** Restrict to one variant; both by default. */
  variant?: RingVariant;
  /** Include DCP > 1 where the layout allows it (default true). */
  dcp?: boolean;
  /** The CP styles to try, the default first (default: the engine's). */
  cpStyles?: readonly CpStyle[];
  /** Pipeline stage counts to try (default [1]); stages > 1 take whole nodes each. */
  pp?: readonly number[];
  /** Whether PP stages may combine with CP (default: the engine's rule; the unrestricted search: true). */
  ppWithCp?: boolean;
  /** A filter on (stage layout, stages), e.g. what an engine version can launch. */
  admit?: (layout: Layout, pp: number) => boolean;
}

const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

/**
 * The GPU counts the planner tries: every divisor of a node below one node
 * (TP1, TP2, TP4 on part of a node), then whole nodes up to the limits.
 */
export function gpuCounts(cluster: ClusterSpec, space: SearchSpace): number[] {
  const maxNodes = Math.min(space.maxNodes, cluster.maxNodes);
  const perNode = cluster.gpusPerNode;
  const counts = [...divisors(perNode).filter((d) => d < perNode), ...Array.from({ length: maxNodes }, (_, i) => (i + 1) * perNode)];
  return counts.filter((g) => space.maxGpus === undefined || g <= space.maxGpus);
}

/** Every valid layout up to the limits: GPU counts, TP (in a domain or across domains), CP, DCP, EP. */
export function* layouts(model: ModelSpec, cluster: ClusterSpec, space: SearchSpace): Generator<Layout> {
  for (const gpus of gpuCounts(cluster, space)) yield* layoutsOn(gpus, model, cluster, space);
}

/**
 * Every (stage layout, stages) pair up to the limits: the layouts of `layouts` for one stage, and for PP > 1
 * stages of whole nodes (a node count divisible by the stages, at most one stage per layer), filtered by
 * `space.admit`.
 */
export function* placements(model: ModelSpec, cluster: ClusterSpec, space: SearchSpace): Generator<{ layout: Layout; pp: number }> {
  for (const gpus of gpuCounts(cluster, space)) {
    for (const pp of space.pp ?? [1]) {
      if (gpus % pp !== 0 || pp > model.layers || (pp > 1 && (gpus / pp) % cluster.gpusPerNode !== 0)) continue;
      for (const layout of layoutsOn(gpus / pp, model, cluster, space)) {
        // An engine whose stages do not combine with CP (SGLang) runs either.
        if (pp > 1 && layout.cp > 1 && !(space.ppWithCp ?? cluster.engine.ppWithCp)) continue;
        if (!space.admit || space.admit(layout, pp)) yield { layout, pp };
      }
    }
  }
}

/** The valid layouts on one GPU count: TP, DCP, EP and the CP styles in `space` (the engine's by default). */
function* layoutsOn(gpus: number, model: ModelSpec, cluster: ClusterSpec, space: SearchSpace): Generator<Layout> {
  const styles = space.cpStyles ?? cluster.engine.cpStyles;
  for (const tp of divisors(gpus)) {
    const base = layoutOrProblem({ gpus, tp, cpStyle: styles[0] }, model, cluster);
    if (typeof base === 'string') continue;
    for (const dcp of space.dcp === false ? [1] : divisors(base.kvReplication)) {
      const withDcp = dcp === 1 ? base : layoutOrProblem({ gpus, tp, dcp, cpStyle: styles[0] }, model, cluster);
      if (typeof withDcp === 'string') continue;
      yield withDcp;
      // The other CP styles (the first is the default).
      if (withDcp.cp > 1) {
        for (const cpStyle of styles.slice(1)) {
          const styled = layoutOrProblem({ gpus, tp, dcp, cpStyle }, model, cluster);
          if (typeof styled !== 'string') yield styled;
        }
      }
      // MoE models: experts spread whole over the TP group, or over every GPU.
      for (const ep of expertParallelSizes(model, withDcp)) {
        const spread = layoutOrProblem({ gpus, tp, dcp, ep, cpStyle: styles[0] }, model, cluster);
        if (typeof spread !== 'string') yield spread;
      }
    }
  }
}

/** The variants worth evaluating on a layout: both when there is a ring, unless one is forced. */
export function variantsFor(layout: Layout, forced?: RingVariant): RingVariant[] {
  // No ring (no CP, or all-gather / Ulysses CP): both variants are the same computation.
  if (layout.cp <= 1 || (layout.cpStyle ?? 'ring') !== 'ring') return ['pass-kv'];
  return forced ? [forced] : ['pass-kv', 'pass-q'];
}

/**
 * Evaluates one layout for both variants with the model's own prefill,
 * decode and memory functions (no searches, so thousands per millisecond).
 */
export function evaluateLayout(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  slo: Slo,
  forced?: RingVariant,
  pp = 1,
): Candidate[] {
  if (workload.contextTokens - workload.cachedTokens < layout.cp) return [];
  if (pp > 1) return evaluatePipeline(model, cluster, layout, precision, workload, slo, forced, pp);
  // The prefill chunk as estimate takes it: the workload's when it names one (null: whole prompts), else the engine's.
  const chunk = prefillChunkOf(workload.prefillChunkTokens, cluster);
  const chunked = chunk === (workload.prefillChunkTokens ?? null) ? workload : { ...workload, prefillChunkTokens: chunk };
  const mem = memoryParts(model, cluster, layout, precision, chunked);
  // All-gather CP keeps the whole KV on every rank: a sequence decodes on one TP group (as estimate does).
  const decodeLayout = layout.cp > 1 && layout.cpStyle === 'all-gather' ? withoutCp(layout, model, cluster) : layout;
  const decode = estimateDecode(model, cluster, decodeLayout, precision, workload);
  return variantsFor(layout, forced).map((variant) => {
    const ttftSec = chunkedPrefillSec(model, cluster, layout, precision, chunked, variant, chunk);
    const c: Candidate = {
      layout,
      pp: 1,
      gpus: layout.gpus,
      variant,
      ttftSec,
      ttitSec: decode.ttitSec,
      tokensPerSec: decode.tokensPerSecondAggregate,
      memoryBytes: mem.totalBytes,
      capacityBytes: mem.capacityBytes,
      violations: [],
    };
    c.violations = violationsOf(c, slo);
    return c;
  });
}

/** A layout as one stage of `pp` (estimatePipelineLayout: chunked prefill flowing through the stages). */
function evaluatePipeline(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  slo: Slo,
  forced: RingVariant | undefined,
  pp: number,
): Candidate[] {
  return variantsFor(layout, forced).map((variant) => {
    const p = estimatePipelineLayout(model, cluster, precision, layout, pp, workload, variant);
    const c: Candidate = {
      layout,
      pp,
      gpus: layout.gpus * pp,
      variant,
      ttftSec: p.ttftSec,
      ttitSec: p.ttitSec,
      tokensPerSec: workload.batch / p.ttitSec,
      memoryBytes: p.memory.perGpu.totalBytes,
      capacityBytes: p.memory.perGpu.capacityBytes,
      violations: [],
    };
    c.violations = violationsOf(c, slo);
    return c;
  });
}

function violationsOf(c: Candidate, slo: Slo): Violation[] {
  const v: Violation[] = [];
  if (c.memoryBytes > c.capacityBytes) v.push({ constraint: 'memory', actual: c.memoryBytes, limit: c.capacityBytes, factor: c.memoryBytes / c.capacityBytes });
  if (slo.maxTtftSec !== undefined && c.ttftSec > slo.maxTtftSec)
    v.push({ constraint: 'ttft', actual: c.ttftSec, limit: slo.maxTtftSec, factor: c.ttftSec / slo.maxTtftSec });
  if (slo.maxTtitSec !== undefined && c.ttitSec > slo.maxTtitSec)
    v.push({ constraint: 'ttit', actual: c.ttitSec, limit: slo.maxTtitSec, factor: c.ttitSec / slo.maxTtitSec });
  if (slo.minTokensPerSec !== undefined && c.tokensPerSec < slo.minTokensPerSec) {
    v.push({ constraint: 'throughput', actual: c.tokensPerSec, limit: slo.minTokensPerSec, factor: slo.minTokensPerSec / c.tokensPerSec });
  }
  return v;
}

/**
 * How far a candidate is from qualifying: 1 when it does, else the product of
 * its violation factors (missing two constraints by 1.5x is further off than
 * missing one by 1.6x).
 */
export function shortfall(c: Candidate): number {
  return c.violations.reduce((m, v) => m * v.factor, 1);
}

/** EP sizes worth trying besides 1: the TP group and all GPUs (each only if it is a valid EP size). */
function expertParallelSizes(model: ModelSpec, layout: Layout): number[] {
  if (!model.moe) return [];
  return [...new Set([layout.tp, layout.gpus])].filter((ep) => ep > 1 && layout.gpus % ep === 0 && model.moe!.experts % ep === 0);
}
