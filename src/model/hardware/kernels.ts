import type { AttentionDtype, AttentionKernel, ClusterSpec, ComputeDtype, Curve, DecodeKernelFit, GemmTable, GpuSpec, KvDtype } from '../types.js';

/** What the kernel functions read: the GPU's tables, the calibration scales, the engine's kernel choice. */
export type KernelContext = Pick<ClusterSpec, 'gpu' | 'scales'> & {
  engine: Pick<ClusterSpec['engine'], 'prefillAttention' | 'decodeAttention'> & { attentionKernelSec: number | null };
};

/**
 * Kernel efficiency from the measured tables of the GPU (presets/kernels/):
 * what fraction of its roofline a GEMM reaches at M tokens, what fraction of
 * the tensor-core peak a prefill attention kernel reaches at a sequence
 * length, and what fraction of HBM bandwidth a decode attention kernel reaches
 * for the bytes it reads. A cluster's calibration (cp-plan calibrate) scales
 * the GEMM and attention curves for the engine it was fitted with. Pure.
 */

/** Linear interpolation in log(x) between the curve's points; flat beyond its ends. */
export function interpolate(curve: Curve, x: number): number {
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (x <= first[0]) return first[1];
  if (x >= last[0]) return last[1];
  let i = 1;
  while (curve[i]![0] < x) i++;
  const [x0, y0] = curve[i - 1]!;
  const [x1, y1] = curve[i]!;
  const f = Math.log(x / x0) / Math.log(x1 / x0);
  return y0 + f * (y1 - y0);
}

/** Dense tensor-core peak of a compute dtype; null when the GPU has no such tensor cores. */
export function peakFlopsPerSec(gpu: GpuSpec, dtype: ComputeDtype): number | null {
  return dtype === 'bf16' ? gpu.bf16FlopsPerSec : dtype === 'fp8' ? gpu.fp8FlopsPerSec : gpu.fp4FlopsPerSec;
}

/** Achievable HBM bandwidth: the datasheet figure times the measured streaming fraction. */
export function hbmBytesPerSec(cluster: Pick<ClusterSpec, 'gpu'>): number {
  return cluster.gpu.hbmBytesPerSec * cluster.gpu.kernels.hbmFraction;
}

const cap = (x: number) => Math.min(1, x);

/**
 * Seconds of `calls` GEMMs together doing `flops` over `weightBytes` of weights, each multiplying `m` tokens,
 * computed in `dtype` (the GEMM table of that dtype: 4-bit weights without FP4 tensor cores compute in BF16):
 *
 *   calls x fixed + max(flops / (peak x compute(m)), weight bytes / (HBM x bandwidth fraction))
 *
 * The fixed cost (launch, activation quantisation) is paid per call whatever the roofline; the weight read
 * runs at the table's measured bandwidth fraction whatever the bytes per weight, so 4-bit weights read in a
 * quarter of BF16's time and the fixed cost stays. `weightsPerGemm` (N x K of one call) picks the size class.
 * The calibration scales the compute fraction (gemmScale) and the bandwidth fraction (gemmBandwidthScale).
 */
export function gemmSec(
  flops: number,
  weightBytes: number,
  m: number,
  dtype: ComputeDtype,
  cluster: KernelContext,
  weightsPerGemm?: number,
  calls = 1,
): number {
  if (flops <= 0 && weightBytes <= 0) return 0;
  const table = gemmTable(cluster, dtype);
  const peak = peakFlopsPerSec(cluster.gpu, dtype) ?? cluster.gpu.bf16FlopsPerSec;
  const compute = flops / (peak * gemmComputeFraction(cluster, dtype, m, weightsPerGemm));
  const read = weightBytes / (cluster.gpu.hbmBytesPerSec * gemmBandwidthFraction(cluster, dtype));
  return calls * table.fixedSec + Math.max(compute, read);
}

function gemmTable(cluster: KernelContext, dtype: ComputeDtype): GemmTable {
  const tables = cluster.gpu.kernels.gemm;
  return (tables[dtype] ?? tables.bf16)!;
}

/** The measured fraction of the dtype's dense peak a compute-bound GEMM reaches at m tokens, calibrated; at most 1. */
export function gemmComputeFraction(cluster: KernelContext, dtype: ComputeDtype, m: number, weightsPerGemm?: number): number {
  return cap(tableFraction(gemmTable(cluster, dtype), Math.max(1, m), weightsPerGemm) * cluster.scales.gemmScale);
}

/** The measured fraction of HBM bandwidth at which a GEMM reads its weights, calibrated; at most 1. */
export function gemmBandwidthFraction(cluster: KernelContext, dtype: ComputeDtype): number {
  return cap(gemmTable(cluster, dtype).bandwidthFraction * cluster.scales.gemmBandwidthScale);
}

/** The fixed cost of one GEMM call in the dtype's table, seconds. */
export function gemmFixedSec(cluster: KernelContext, dtype: ComputeDtype): number {
  return gemmTable(cluster, dtype).fixedSec;
}

/**
 * A GEMM table at m tokens: with the weights of one GEMM (N x K elements) known, interpolated in log(size)
 * between the size classes' curves (flat beyond them); else the curve over all sizes.
 */
function tableFraction(table: GemmTable, m: number, weights: number | undefined): number {
  const classes = table.bySize;
  if (weights === undefined || classes.length === 0) return interpolate(table.all, m);
  // The two classes around `weights` (the planner evaluates this millions of times: no arrays built).
  const first = classes[0]!;
  const last = classes[classes.length - 1]!;
  if (weights <= first.weights) return interpolate(first.curve, m);
  if (weights >= last.weights) return interpolate(last.curve, m);
  let i = 1;
  while (classes[i]!.weights < weights) i++;
  const lo = classes[i - 1]!;
  const hi = classes[i]!;
  const f = Math.log(weights / lo.weights) / Math.log(hi.weights / lo.weights);
  return interpolate(lo.curve, m) * (1 - f) + interpolate(hi.curve, m) * f;
}

/**
 * Achieved FLOP/s of a prefill attention kernel in `dtype` for a query block of
 * `qTokens` against `kvTokens` keys: the engine's prefill kernel on this GPU,
 * read at the keys' length. FlashAttention-style kernels give each block of
 * queries to one thread block, which loops over the keys: the loop's length
 * sets how well its start-up is amortised (the measured case, a square causal
 * block of length L, loops over up to L keys). `qTokens` is kept for kernels
 * that would be short of query blocks; the tables were measured with enough.
 */
export function attentionFlopsPerSec(cluster: KernelContext, dtype: AttentionDtype, _qTokens: number, kvTokens: number): number {
  const peak = peakFlopsPerSec(cluster.gpu, dtype) ?? cluster.gpu.bf16FlopsPerSec;
  return peak * attentionFraction(cluster, dtype, Math.max(1, kvTokens));
}

export function attentionFraction(cluster: KernelContext, dtype: AttentionDtype, length: number): number {
  const curve = attentionCurve(cluster, dtype);
  return cap(interpolate(curve, length) * cluster.scales.attentionScale);
}

/**
 * Seconds of one decode attention call that reads `bytes` of KV cache in `kvDtype`: the engine's decode kernel's
 * fixed cost (measured with the table, or the engine's own when it states one) plus the bytes at the kernel's
 * measured fraction of HBM bandwidth (times the calibration's decode scale).
 */
export function decodeAttentionSec(cluster: KernelContext, kvDtype: KvDtype, bytes: number): number {
  const fit = decodeFit(cluster, kvDtype);
  const fixed = cluster.engine.attentionKernelSec ?? fit.fixedSec;
  return fixed + bytes / (cluster.gpu.hbmBytesPerSec * cap(fit.bandwidthFraction * cluster.scales.decodeAttentionScale));
}

/** The fixed cost of one decode attention call: the engine's own when it states one, else the table's. */
export function decodeKernelFixedSec(cluster: KernelContext, kvDtype: KvDtype): number {
  return cluster.engine.attentionKernelSec ?? decodeFit(cluster, kvDtype).fixedSec;
}

function decodeFit(cluster: KernelContext, dtype: KvDtype): DecodeKernelFit {
  const tables = cluster.gpu.kernels.decodeAttention;
  const family = familyUsed(cluster, 'decodeAttention', dtype);
  return tables[family]![dtype] ?? tables[family]!.bf16!;
}

/**
 * The kernel family whose table stands for the engine's kernel: the engine's own when the GPU's table has it
 * (in this dtype or BF16), else the table's first family with this dtype, else its first (a transfer the
 * estimate's provenance names).
 */
export function familyUsed(cluster: KernelContext, which: 'attention' | 'decodeAttention', dtype: ComputeDtype): AttentionKernel {
  const tables = cluster.gpu.kernels[which] as Partial<Record<AttentionKernel, Partial<Record<ComputeDtype, unknown>>>>;
  const own = which === 'attention' ? cluster.engine.prefillAttention : cluster.engine.decodeAttention;
  // Memoised per table: the answer depends only on the table, the engine's kernel and the dtype.
  let memo = FAMILY_MEMO.get(tables);
  if (!memo) FAMILY_MEMO.set(tables, (memo = new Map()));
  const key = `${own}/${dtype}`;
  let family = memo.get(key);
  if (family === undefined) memo.set(key, (family = findFamily(tables, own, dtype, cluster.gpu.kernels.name, which)));
  return family;
}

const FAMILY_MEMO = new WeakMap<object, Map<string, AttentionKernel>>();

function findFamily(
  tables: Partial<Record<AttentionKernel, Partial<Record<ComputeDtype, unknown>>>>,
  own: AttentionKernel,
  dtype: ComputeDtype,
  tableName: string,
  which: string,
): AttentionKernel {
  const has = (k: AttentionKernel, d: ComputeDtype) => tables[k]?.[d] !== undefined;
  if (has(own, dtype) || has(own, 'bf16')) return own;
  const families = Object.keys(tables) as AttentionKernel[];
  const found = families.find((k) => has(k, dtype)) ?? families.find((k) => has(k, 'bf16'));
  if (found === undefined) throw new Error(`kernel table ${tableName} has no ${which} data`);
  return found;
}

function attentionCurve(cluster: KernelContext, dtype: ComputeDtype): Curve {
  const family = cluster.gpu.kernels.attention[familyUsed(cluster, 'attention', dtype)]!;
  return (family[dtype] ?? family.bf16)!;
}
