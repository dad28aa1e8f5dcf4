import { InputError } from '../errors.js';
import { assertRepresentable } from '../representable.js';
import { crossoverMissRate, type Crossover } from './crossover.js';
import { estimateDecode, type DecodeEstimate } from './decode.js';
import { paperHeuristic, type HeuristicReport } from './heuristic.js';
import { resolveLayout, withoutCp, type LayoutRequest } from './layout.js';
import { compareStyles, type StyleOption } from './style-choice.js';
import { kvPlacement } from './kv-cache.js';
import { layerGroups } from './layers.js';
import { layerWeightBytesPerGpu } from './shapes.js';
import { memoryPerGpu, type MemoryEstimate } from './memory.js';
import { weightDtypes } from './precision.js';
import { transferredTerms } from './provenance.js';
import { type ChunkedPrefillEstimate, estimatePrefillChunked, prefillChunkOf } from './prefill-chunked.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, RingVariant, Workload } from './types.js';

export type VariantChoice = RingVariant | 'auto';

export interface EstimateInput {
  model: ModelSpec;
  cluster: ClusterSpec;
  precision: Precision;
  layout: LayoutRequest;
  workload: Workload;
  variant: VariantChoice;
}

export interface EstimateResult {
  model: ModelSpec;
  cluster: ClusterSpec;
  precision: Precision;
  layout: Layout;
  workload: Workload;
  /** The variant reported (the faster one under `auto`), chunked as the workload says. */
  prefill: ChunkedPrefillEstimate;
  /** Both ring variants, for comparison. */
  variants: Record<RingVariant, ChunkedPrefillEstimate>;
  /** The faster predicted variant (what `auto` picks). */
  fasterVariant: RingVariant;
  heuristic: HeuristicReport;
  crossover: Crossover;
  decode: DecodeEstimate;
  /** The same decode on CP1 with this TP (and DCP), to show what CP costs decode. */
  decodeCp1: DecodeEstimate;
  /** Whether that CP1 layout could hold this workload at all. */
  cp1Fits: boolean;
  memory: MemoryEstimate;
  /** Every CP style on this layout, for "why this style" (empty without CP). */
  styles: StyleOption[];
  warnings: string[];
}

/** DCP only on an engine that runs it (meta-cp does not): an input error otherwise. */
export function checkDcpRuns(cluster: ClusterSpec, dcp: number): void {
  if (dcp > 1 && !cluster.engine.dcpSupported)
    throw new InputError(`--dcp ${dcp}: engine ${cluster.engine.name} runs no decode context parallelism; drop --dcp or use --engine vllm or sglang`);
}

/** Evaluates one layout and workload. Pure: returns data, never prints. */
export function estimate(input: EstimateInput): EstimateResult {
  const { model, cluster, precision } = input;
  // The prefill chunk: the workload's when it names one (null: whole prompts), else the engine's default.
  const chunk = prefillChunkOf(input.workload.prefillChunkTokens, cluster);
  const workload: Workload = { ...input.workload, prefillChunkTokens: chunk };
  checkPrecision(cluster, precision);
  // The CP style: the one asked for, if the engine runs it; else the engine's default.
  const asked = input.layout.cpStyle;
  const styles = cluster.engine.cpStyles;
  if (asked !== undefined && !styles.includes(asked)) {
    throw new InputError(`--cp-style ${asked}: engine ${cluster.engine.name} runs ${styles.join(', ')}; choose one of them or another --engine`);
  }
  const layout = resolveLayout({ ...input.layout, cpStyle: asked ?? styles[0] }, model, cluster);
  checkDcpRuns(cluster, layout.dcp);
  checkPlausible(model, cluster, layout, precision);
  const newTokens = workload.contextTokens - workload.cachedTokens;
  if (newTokens < layout.cp) {
    throw new InputError(
      `CP${layout.cp} needs at least one new token per rank, but only ${newTokens} new token(s) are prefilled; use fewer CP ranks or a longer context`,
    );
  }
  const variants = {
    'pass-kv': estimatePrefillChunked(model, cluster, layout, precision, workload, 'pass-kv', chunk),
    'pass-q': estimatePrefillChunked(model, cluster, layout, precision, workload, 'pass-q', chunk),
  };
  const fasterVariant: RingVariant = variants['pass-q'].ttftSec < variants['pass-kv'].ttftSec ? 'pass-q' : 'pass-kv';
  const chosen = input.variant === 'auto' ? fasterVariant : input.variant;
  const memory = memoryPerGpu(model, cluster, layout, precision, workload);
  const cp1Layout = withoutCp(layout, model, cluster);
  const decodeCp1 =
    layout.cp === 1 ? estimateDecode(model, cluster, layout, precision, workload) : estimateDecode(model, cluster, cp1Layout, precision, workload);
  // All-gather CP leaves the whole KV on every rank: a sequence decodes on one TP group, as without CP.
  const decode = layout.cp === 1 || layout.cpStyle === 'all-gather' ? decodeCp1 : estimateDecode(model, cluster, layout, precision, workload);
  const cp1Fits = layout.cp === 1 ? memory.fits : memoryPerGpu(model, cluster, cp1Layout, precision, workload).fits;
  assertRepresentable({ variants, memory, decode, decodeCp1 });
  return {
    model,
    cluster,
    precision,
    layout,
    workload,
    prefill: variants[chosen],
    variants,
    fasterVariant,
    heuristic: paperHeuristic(model, cluster, layout, precision, workload),
    crossover: crossoverMissRate(model, cluster, layout, precision, workload),
    decode,
    decodeCp1,
    cp1Fits,
    memory,
    styles: compareStyles(model, cluster, layout, precision, workload, {
      ttftSec: (layout.cpStyle ?? 'ring') === 'ring' ? Math.min(variants['pass-kv'].ttftSec, variants['pass-q'].ttftSec) : variants['pass-kv'].ttftSec,
      memoryBytes: memory.perGpu.totalBytes,
      fits: memory.fits,
    }),
    warnings: warningsFor(model, cluster, precision, workload, layout),
  };
}

/**
 * FP8 attention needs FP8 tensor cores, an engine that runs FP8 attention
 * kernels on this GPU generation, and an FP8 KV cache to feed them.
 */
export function checkPrecision(cluster: ClusterSpec, precision: Precision): void {
  if ((precision.attentionDtype ?? 'bf16') !== 'fp8') return;
  if (cluster.gpu.fp8FlopsPerSec === null) {
    throw new InputError(`--attention-dtype fp8: ${cluster.gpu.name} has no FP8 tensor cores; use --attention-dtype bf16`);
  }
  if (!cluster.engine.fp8Attention) {
    throw new InputError(
      `--attention-dtype fp8: engine '${cluster.engine.name}' runs no FP8 attention on ${cluster.gpu.generation}; use --attention-dtype bf16 or another --engine`,
    );
  }
  if (precision.kvDtype !== 'fp8') {
    throw new InputError('--attention-dtype fp8: FP8 attention reads an FP8 KV cache; add --kv-dtype fp8');
  }
}

/** A cluster whose GPU cannot hold even one layer of the model is a wrong preset, not a sizing result. */
function checkPlausible(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision): void {
  const oneLayer = Math.max(...layerGroups(model).map((g) => layerWeightBytesPerGpu(model, layout, precision.weights, g)));
  if (cluster.gpu.hbmBytes < oneLayer) {
    throw new InputError(
      `cluster '${cluster.name}': ${cluster.gpu.hbmBytes / 1e9} GB of HBM per GPU is smaller than one layer of ${model.name} at TP${layout.tp} (${(oneLayer / 1e9).toPrecision(3)} GB); check hbmCapacityGB of GPU '${cluster.gpu.preset}'`,
    );
  }
}

/** The warning for a context longer than the model was trained or configured for (estimate, plan and sweep give it alike). */
export function contextWarning(model: ModelSpec, contextTokens: number): string | undefined {
  if (contextTokens <= model.maxContextTokens) return undefined;
  return `context of ${contextTokens} tokens exceeds ${model.name}'s configured maximum of ${model.maxContextTokens}; time and memory are still modelled, the model's quality there is not`;
}

/** The warnings that qualify an estimate of this layout and workload (estimate, plan, sweep and check give them alike). */
export function warningsFor(model: ModelSpec, cluster: ClusterSpec, precision: Precision, workload: Workload, layout: Layout): string[] {
  const warnings: string[] = [];
  const range = cluster.calibratedRange;
  if (range && (workload.contextTokens > range.maxContextTokens || layout.cp > range.maxPrefillCp)) {
    warnings.push(
      `beyond the measured range (prefill up to ${range.maxContextTokens} tokens and CP${range.maxPrefillCp}): the prediction extrapolates the calibrated model`,
    );
  }
  // CP decode was measured as the ring pass-Q: all-gather and Ulysses decode have no ring, hierarchical a ring across domains.
  const decodeRing = kvPlacement(layout).ring;
  if (range && decodeRing > range.maxDecodeCp) {
    const across = decodeRing === layout.cp ? '' : ` (its ring across ${decodeRing} NVLink domains)`;
    warnings.push(`decode under CP${layout.cp}${across} is extrapolated: CP decode was measured only up to CP${range.maxDecodeCp}`);
  }
  const beyond = contextWarning(model, workload.contextTokens);
  if (beyond) warnings.push(beyond);
  const dt = weightDtypes(precision.weights);
  for (const d of new Set([dt.attention, dt.ffn])) {
    if (d === 'fp8' && cluster.gpu.fp8FlopsPerSec === null) {
      warnings.push(`${cluster.gpu.name} has no FP8 tensor cores: FP8 weights save memory but run at the BF16 rate`);
    } else if ((d === 'nvfp4' || d === 'mxfp4') && cluster.gpu.fp4FlopsPerSec === null) {
      warnings.push(
        `${cluster.gpu.name} has no FP4 tensor cores: ${d.toUpperCase()} weights are dequantised and multiplied in BF16 (W4A16); they save memory and weight reads, not math`,
      );
    } else if (d === 'int4') {
      warnings.push('INT4 weights are dequantised and multiplied in BF16 (W4A16) on every GPU: they save memory and weight reads, not math');
    }
  }
  const transferred = transferredTerms(cluster, layout);
  if (transferred.length) warnings.push(`transferred, not measured on this GPU and engine: ${transferred.join('; ')}`);
  return warnings;
}
