import { CP_STYLES } from '../model/cp-style.js';
import { layoutOrProblem } from '../model/layout.js';
import type { ClusterSpec, CpStyle, Layout, ModelSpec, Precision, RingVariant, Workload } from '../model/types.js';
import { evaluateLayout } from './candidates.js';
import { contextWarning, warningsFor } from '../model/estimate.js';

/** The quantities a sweep can vary (cpStyle by its index in CP_STYLES). */
export type SweepDim = 'nodes' | 'gpus' | 'ctx' | 'missRate' | 'batch' | 'tp' | 'pp' | 'cpStyle';
export const SWEEP_DIMS: readonly SweepDim[] = ['nodes', 'gpus', 'ctx', 'missRate', 'batch', 'tp', 'pp', 'cpStyle'];
/** The CP styles, in the order a swept cpStyle value indexes. */
export { CP_STYLES } from '../model/cp-style.js';

export interface SweepPoint {
  /** Whole nodes; or, with `gpus`, the nodes those GPUs touch (filled in from the layout). */
  nodes?: number;
  /** GPUs in total, when swept instead of nodes. */
  gpus?: number;
  tp?: number;
  /** Pipeline stages (the GPUs split over them; 1 without PP). */
  pp?: number;
  cpStyle?: CpStyle;
  ctx: number;
  /** T / (T + P); 1 for a full prefill. */
  missRate: number;
  batch: number;
}

export interface SweepRow extends SweepPoint {
  nodes: number;
  gpus: number;
  cp: number;
  tpUsed: number;
  pp: number;
  /** The CP style used (null without CP). */
  cpStyleUsed: CpStyle | null;
  dcp: number;
  /** Expert parallelism of the layout (1 = off). */
  ep: number;
  cachedTokens: number;
  variant: RingVariant;
  ttftSec: number;
  passKvTtftSec: number;
  passQTtftSec: number;
  ttitSec: number;
  tokensPerSec: number;
  memoryBytes: number;
  fits: boolean;
  /** What qualifies this point's estimate (estimate's warnings for its layout and workload). */
  warnings: string[];
}

export interface SweepResult {
  rows: SweepRow[];
  /** Points that are not a valid layout or workload, with the reason. */
  skipped: { point: SweepPoint; reason: string }[];
}

/** Every combination of the values, the first dimension varying slowest. */
export function sweepGrid(values: Record<SweepDim, number[]>): SweepPoint[] {
  const points: SweepPoint[] = [];
  const each = <T>(xs: T[]) => (xs.length ? xs : [undefined]);
  for (const nodes of each(values.nodes))
    for (const gpus of each(values.gpus))
      for (const ctx of values.ctx)
        for (const missRate of values.missRate)
          for (const batch of values.batch)
            for (const tp of each(values.tp))
              for (const pp of each(values.pp))
                for (const style of each(values.cpStyle)) {
                  const point: SweepPoint = { ctx, missRate, batch };
                  if (nodes !== undefined) point.nodes = nodes;
                  if (gpus !== undefined) point.gpus = gpus;
                  if (tp !== undefined) point.tp = tp;
                  if (pp !== undefined) point.pp = pp;
                  if (style !== undefined) point.cpStyle = CP_STYLES[style]!;
                  points.push(point);
                }
  return points;
}

/** Evaluates every point with the model's prefill, decode and memory functions. Pure. */
export function sweep(
  model: ModelSpec,
  cluster: ClusterSpec,
  precision: Precision,
  points: readonly SweepPoint[],
  forced?: RingVariant,
  /** Expert parallelism at every point (MoE models); 1 = off. */
  ep = 1,
  /** Most new tokens per forward pass (null: whole prompts); absent: the engine's default, as estimate takes it. */
  prefillChunkTokens?: number | null,
): SweepResult {
  const rows: SweepRow[] = [];
  const skipped: SweepResult['skipped'] = [];
  // The warnings depend on whether the context passes the model's maximum and the measured range, and on what
  // the layout uses (CP, TP, EP, the network): computed once per kind. The context warning names no one
  // context, so that a sweep over many contexts gives it once.
  const warned = new Map<string, string[]>();
  const measured = cluster.calibratedRange?.maxContextTokens ?? Infinity;
  const beyondAny = `contexts beyond ${model.name}'s configured maximum of ${model.maxContextTokens} tokens; time and memory are still modelled, the model's quality there is not`;
  const warningsOf = (layout: Layout, workload: Workload) => {
    const g = layout.groups;
    const ctx = workload.contextTokens;
    const key = `${ctx > model.maxContextTokens}|${ctx > measured}|${layout.cp}|${layout.tp}|${layout.ep}|${Math.max(g.tp.domains, g.cp.domains, g.ep.domains) > 1}`;
    let w = warned.get(key);
    if (!w) {
      const beyond = contextWarning(model, ctx);
      w = warningsFor(model, cluster, precision, workload, layout).map((text) => (text === beyond ? beyondAny : text));
      warned.set(key, w);
    }
    return w;
  };
  for (const point of points) {
    const pp = point.pp ?? 1;
    const total = point.gpus ?? (point.nodes ?? 1) * cluster.gpusPerNode;
    if (total % pp !== 0) {
      skipped.push({ point, reason: `PP${pp} does not divide ${total} GPUs` });
      continue;
    }
    if (pp > model.layers) {
      skipped.push({ point, reason: `PP${pp} has more stages than the model's ${model.layers} layers` });
      continue;
    }
    const stage = pp > 1 ? { gpus: total / pp } : { nodes: point.nodes, gpus: point.gpus };
    // The engine's default CP style unless the point names one (as estimate does).
    const layout = layoutOrProblem({ ...stage, tp: point.tp, ep, cpStyle: point.cpStyle ?? cluster.engine.cpStyles[0] }, model, cluster);
    if (typeof layout === 'string') {
      skipped.push({ point, reason: layout });
      continue;
    }
    if (pp > 1 && layout.cp > 1 && !cluster.engine.ppWithCp) {
      skipped.push({ point, reason: `engine ${cluster.engine.name} runs CP or pipeline stages, not both (PP${pp} with CP${layout.cp})` });
      continue;
    }
    const newTokens = Math.max(1, Math.round(point.ctx * point.missRate));
    const workload = {
      contextTokens: point.ctx,
      cachedTokens: point.ctx - newTokens,
      batch: point.batch,
      ...(prefillChunkTokens !== undefined ? { prefillChunkTokens } : {}),
    };
    const evaluated = evaluateLayout(model, cluster, layout, precision, workload, {}, undefined, pp);
    if (evaluated.length === 0) {
      skipped.push({ point, reason: `CP${layout.cp} needs at least ${layout.cp} new tokens` });
      continue;
    }
    const byVariant = new Map(evaluated.map((c) => [c.variant, c]));
    const kv = byVariant.get('pass-kv')!;
    const q = byVariant.get('pass-q') ?? kv; // CP1: the two variants are one computation
    const chosen = forced ? (byVariant.get(forced) ?? kv) : q.ttftSec < kv.ttftSec ? q : kv;
    rows.push({
      ...point,
      nodes: layout.nodes * pp,
      gpus: layout.gpus * pp,
      cp: layout.cp,
      tpUsed: layout.tp,
      pp,
      cpStyleUsed: layout.cp > 1 ? (layout.cpStyle ?? 'ring') : null,
      dcp: layout.dcp,
      ep: layout.ep,
      cachedTokens: workload.cachedTokens,
      variant: chosen.variant,
      ttftSec: chosen.ttftSec,
      passKvTtftSec: kv.ttftSec,
      passQTtftSec: q.ttftSec,
      ttitSec: chosen.ttitSec,
      tokensPerSec: chosen.tokensPerSec,
      memoryBytes: chosen.memoryBytes,
      fits: chosen.memoryBytes <= chosen.capacityBytes,
      warnings: warningsOf(layout, workload),
    });
  }
  return { rows, skipped };
}
