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
 * Seconds of a GEMM of `flops` that reads `weightBytes` of weights, multiplying
 * `m` tokens, computed in `dtype`: its roofline time, max(FLOPs / peak, weight
 * bytes / HBM bandwidth), over the measured fraction of the roofline at m. The
 * roofline's ridge moves with the weights' byte width, so 4-bit weights read
 * faster at small m and compute at the same rate at large m.
 */
export function gemmSec(flops: number, weightBytes: number, m: number, dtype: ComputeDtype, cluster: KernelContext, weightsPerGemm?: number): number {
  if (flops <= 0 && weightBytes <= 0) return 0;
  const peak = peakFlopsPerSec(cluster.gpu, dtype) ?? cluster.gpu.bf16FlopsPerSec;
  const roofline = Math.max(flops / peak, weightBytes / cluster.gpu.hbmBytesPerSec);
  const bytesPerWeight = flops > 0 ? (weightBytes * 2 * m) / flops : TABLE_WEIGHT_BYTES[dtype];
  return roofline / gemmRooflineFraction(cluster, dtype, m, bytesPerWeight, weightsPerGemm);
}

/** Bytes per weight of the dtype each GEMM table was measured in (FP4: NVFP4 with its scales). */
const TABLE_WEIGHT_BYTES: Record<ComputeDtype, number> = { bf16: 2, fp8: 1, fp4: 0.5625 };

/**
 * The measured fraction of the GEMM roofline at m tokens, times the calibration's scale for the regime:
 * the bandwidth scale below the roofline's ridge (m < peak x bytes per weight / (2 x HBM bandwidth): the
 * GEMM reads its weights), the compute scale above it, blended in log(m) over a factor of 4 each side.
 * At most 1.
 */
export function gemmRooflineFraction(
  cluster: KernelContext,
  dtype: ComputeDtype,
  m: number,
  bytesPerWeight = TABLE_WEIGHT_BYTES[dtype],
  weightsPerGemm?: number,
): number {
  const tables = cluster.gpu.kernels.gemmRoofline;
  const table = tables[dtype] ?? tables.bf16!;
  const peak = peakFlopsPerSec(cluster.gpu, dtype) ?? cluster.gpu.bf16FlopsPerSec;
  const ridge = (peak * bytesPerWeight) / (2 * cluster.gpu.hbmBytesPerSec);
  const w = Math.min(1, Math.max(0, (Math.log2(Math.max(1, m) / ridge) + 2) / 4));
  const scale = cluster.scales.gemmBandwidthScale * (1 - w) + cluster.scales.gemmScale * w;
  return cap(tableFraction(table, Math.max(1, m), weightsPerGemm) * scale);
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
