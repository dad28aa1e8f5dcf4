import { resolveLayout } from './layout.js';
import { memoryPerGpu } from './memory.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, Workload } from './types.js';

/**
 * The fewest nodes, keeping this layout's TP size and growing CP, on which
 * the workload fits in memory; null if none up to the cluster's maxNodes does.
 */
export function smallestNodesThatFit(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
): number | null {
  const step = Math.max(1, layout.tp / cluster.gpusPerNode);
  for (let nodes = step; nodes <= cluster.maxNodes; nodes += step) {
    const candidate = resolveLayout({ nodes, tp: layout.tp }, model, cluster);
    if (memoryPerGpu(model, cluster, candidate, precision, workload).fits) return nodes;
  }
  return null;
}
