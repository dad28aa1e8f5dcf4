import { CP_STYLES } from './cp-style.js';
import { layoutOrProblem } from './layout.js';
import { memoryPerGpu } from './memory.js';
import { estimatePrefillChunked } from './prefill-chunked.js';
import type { ClusterSpec, CpStyle, Layout, ModelSpec, Precision, Workload } from './types.js';

/** One CP style on the same GPUs, TP and CP: its prefill, its memory, or why it cannot run. */
export interface StyleOption {
  style: CpStyle;
  /** Whether the engine runs it (else it is shown for comparison only). */
  runByEngine: boolean;
  /** The faster ring variant for ring; null when the layout is not valid for this style. */
  ttftSec: number | null;
  memoryBytes: number | null;
  fits: boolean | null;
  /** Why the style cannot take this layout (e.g. Ulysses and the heads), or null. */
  problem: string | null;
}

/**
 * Every CP style on one layout, for the "why this style" reason: each style's TTFT (ring: the faster
 * variant) and memory per GPU, through the same prefill and memory functions as the estimate. Empty without
 * CP. Pure.
 */
export function compareStyles(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  /** The estimate's own style, already costed (not costed again). */
  own?: { ttftSec: number; memoryBytes: number; fits: boolean },
): StyleOption[] {
  if (layout.cp <= 1) return [];
  const used = layout.cpStyle ?? 'ring';
  return CP_STYLES.map((style) => {
    const runByEngine = cluster.engine.cpStyles.includes(style);
    if (own && style === used) return { style, runByEngine, ...own, problem: null };
    const styled = layoutOrProblem({ gpus: layout.gpus, tp: layout.tp, dcp: layout.dcp, ep: layout.ep, cpStyle: style }, model, cluster);
    if (typeof styled === 'string') return { style, runByEngine, ttftSec: null, memoryBytes: null, fits: null, problem: styled };
    const chunk = workload.prefillChunkTokens ?? null;
    const ttft = (v: 'pass-kv' | 'pass-q') => estimatePrefillChunked(model, cluster, styled, precision, workload, v, chunk).ttftSec;
    const ttftSec = style === 'ring' ? Math.min(ttft('pass-kv'), ttft('pass-q')) : ttft('pass-kv');
    const memory = memoryPerGpu(model, cluster, styled, precision, workload);
    return { style, runByEngine, ttftSec, memoryBytes: memory.perGpu.totalBytes, fits: memory.fits, problem: null };
  });
}
