import { resolveLayout } from './layout.js';
import { memoryPerGpu } from './memory.js';
import { weightBytesPerGpu } from './shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, Workload } from './types.js';

/**
 * The fewest nodes, keeping this layout's TP size and growing CP, on which
 * the workload fits in memory; null if none up to the cluster's maxNodes does.
 * At fixed TP the weights per GPU are constant and the KV and activations per
 * GPU only shrink as CP grows, so fitting is monotone and a bisection finds it.
 */
export function smallestNodesThatFit(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
): number | null {
  const fixed = weightBytesPerGpu(model, layout, precision.weights) + cluster.runtimeReserveBytes;
  if (fixed > cluster.gpu.hbmBytes) return null;
  const step = Math.max(1, layout.tp / cluster.gpusPerNode);
  const fits = (k: number) =>
    memoryPerGpu(model, cluster, resolveLayout({ nodes: k * step, tp: layout.tp }, model, cluster), precision, workload).fits;
  let hi = Math.floor(cluster.maxNodes / step);
  if (hi < 1 || !fits(hi)) return null;
  let lo = 0; // fits(lo) is false or lo is 0
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi * step;
}
