import { layoutOrProblem } from './layout.js';
import { memoryPerGpu, usableHbmBytes } from './memory.js';
import { weightBytesPerGpu } from './shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, Workload } from './types.js';

/**
 * The fewest GPUs, keeping this layout's TP size (and EP) and growing CP, on
 * which the workload fits in memory; null if none up to the cluster's size
 * does. At fixed TP the weights per GPU are constant and the KV and
 * activations per GPU only shrink as CP grows, so fitting is monotone in CP
 * and a bisection over whole TP (or EP) groups finds it.
 */
export function smallestGpusThatFit(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): number | null {
  const fixed = weightBytesPerGpu(model, layout, precision.weights) + cluster.engine.runtimeReserveBytes;
  if (fixed > usableHbmBytes(cluster)) return null;
  const step = Math.max(layout.tp, layout.ep);
  // Only GPU counts whose groups do not straddle NVLink domains are layouts; among them memory per GPU
  // falls as GPUs are added, so the smallest that fits is found by bisection over the valid counts.
  const valid: Layout[] = [];
  for (let k = 1; k * step <= cluster.maxNodes * cluster.gpusPerNode; k++) {
    const candidate = layoutOrProblem({ gpus: k * step, tp: layout.tp, ep: layout.ep }, model, cluster);
    if (typeof candidate !== 'string') valid.push(candidate);
  }
  const fits = (i: number) => memoryPerGpu(model, cluster, valid[i]!, precision, workload).fits;
  let hi = valid.length - 1;
  if (hi < 0 || !fits(hi)) return null;
  let lo = -1; // fits(lo) is false or lo is before the first
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return valid[hi]!.gpus;
}

/**
 * For an MoE model without EP: the smallest expert-parallel size on the same
 * nodes and TP with which the workload fits (EP spreads the experts, which are
 * most of the weights); null if none does or the model has no experts.
 */
export function smallestEpThatFits(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): number | null {
  if (!model.moe || layout.ep > 1) return null;
  for (let ep = layout.tp; ep <= layout.gpus; ep += layout.tp) {
    if (ep === 1) continue;
    const candidate = layoutOrProblem({ gpus: layout.gpus, tp: layout.tp, cp: layout.cp, dcp: layout.dcp, ep }, model, cluster);
    if (typeof candidate !== 'string' && memoryPerGpu(model, cluster, candidate, precision, workload).fits) return ep;
  }
  return null;
}
