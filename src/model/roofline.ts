import { BYTES_PER_ELEMENT, gemmPeakFlopsPerSec, weightDtypes } from './precision.js';
import { layerParamsPerGpu } from './shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision } from './types.js';

/**
 * Seconds of one GEMM group on one GPU: compute-bound at high token counts,
 * bound by reading its weights from HBM at low ones (decode, short prompts).
 */
export function gemmSec(flops: number, weightBytes: number, peakFlopsPerSec: number, cluster: ClusterSpec): number {
  const compute = flops / (peakFlopsPerSec * cluster.gemmEfficiency);
  const weightRead = weightBytes / (cluster.gpu.hbmBytesPerSec * cluster.hbmEfficiency);
  return Math.max(compute, weightRead);
}

/**
 * One layer's GEMMs on one GPU for `tokens` tokens: the Q/K/V/O projections
 * and the FFN, each in the dtype its weights are stored in.
 */
export function layerGemmSec(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, tokens: number): number {
  const dt = weightDtypes(precision.weights);
  const p = layerParamsPerGpu(model, layout);
  const attention = gemmSec(
    2 * (p.qo + p.kv) * tokens,
    (p.qo + p.kv) * BYTES_PER_ELEMENT[dt.attention],
    gemmPeakFlopsPerSec(cluster, dt.attention),
    cluster,
  );
  const ffn = gemmSec(2 * p.ffn * tokens, p.ffn * BYTES_PER_ELEMENT[dt.ffn], gemmPeakFlopsPerSec(cluster, dt.ffn), cluster);
  return attention + ffn;
}
