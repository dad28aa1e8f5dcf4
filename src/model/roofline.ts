import type { ClusterSpec } from './types.js';

/**
 * Seconds of one GEMM group on one GPU: compute-bound at high token counts,
 * bound by reading its weights from HBM at low ones (decode, short prompts).
 */
export function gemmSec(flops: number, weightBytes: number, peakFlopsPerSec: number, cluster: ClusterSpec): number {
  const compute = flops / (peakFlopsPerSec * cluster.gemmEfficiency);
  const weightRead = weightBytes / (cluster.gpu.hbmBytesPerSec * cluster.hbmEfficiency);
  return Math.max(compute, weightRead);
}
