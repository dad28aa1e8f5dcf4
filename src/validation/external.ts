import { estimate } from '../model/estimate.js';
import { attentionFlopsPerSec, decodeAttentionSec, gemmSec, type KernelContext } from '../model/hardware/kernels.js';
import { BYTES_PER_ELEMENT } from '../model/precision.js';
import type { ClusterSpec, ComputeDtype, GpuSpec, ModelSpec } from '../model/types.js';
import type { ExternalRow } from '../schema/external-measurements.js';
import { mapeOf, type Mape } from './report.js';

/**
 * Published measurements on other GPUs and engines (validation/external.yaml),
 * predicted through the same code paths as `estimate`: kernel rows through the
 * kernel tables of the GPU, model rows through a whole estimate on the named
 * cluster and engine. Errors are on times: predicted / measured - 1.
 */
export interface ExternalCase {
  name: string;
  kind: ExternalRow['kind'];
  gpu: string;
  engine: string;
  role: ExternalRow['role'];
  /** What measuredSec and predictedSec hold: seconds, or tokens for a kv-capacity row. */
  unit: 's' | 'tokens';
  measuredSec: number;
  predictedSec: number;
  error: number;
  ref: string;
}

export interface ExternalReport {
  cases: ExternalCase[];
  /** Rows cp-plan could not evaluate, with the reason (a preset missing, a layout the model refuses). */
  skipped: { name: string; reason: string }[];
  fit: Mape;
  heldOut: Mape;
  /** Held-out rows only, grouped. */
  byGpu: Record<string, Mape>;
  byEngine: Record<string, Mape>;
  byKind: Record<string, Mape>;
}

export interface ExternalInputs {
  gpu(name: string): GpuSpec;
  model(name: string): ModelSpec;
  /** The cluster with the row's engine. */
  deployment(cluster: string, engine: string): ClusterSpec;
}

/** Causal attention counts half the score matrix (and its diagonal): 4·b·h·d·s(s+1)/2 FLOPs; full attention 4·b·h·d·s². */
function attentionFlops(r: Extract<ExternalRow, { kind: 'attention' }>): number {
  const pairs = r.causal ? (r.seqlen * (r.seqlen + 1)) / 2 : r.seqlen * r.seqlen;
  return 4 * r.batch * r.heads * r.headDim * pairs;
}

/** A kernel context for one GPU and kernel family: no calibration, the row's kernel. */
function kernelContext(gpu: GpuSpec, kernel: KernelContext['engine']['prefillAttention']): KernelContext {
  return {
    gpu,
    scales: { engine: null, gemmScale: 1, gemmBandwidthScale: 1, attentionScale: 1, decodeAttentionScale: 1 },
    engine: { prefillAttention: kernel, decodeAttention: kernel, attentionKernelSec: null },
  };
}

const TFLOPS = 1e12;
const US = 1e-6;
const MS = 1e-3;

/** Measured and predicted seconds of one row. Throws on a row cp-plan cannot evaluate (reported as skipped). */
export function predictRow(r: ExternalRow, inputs: ExternalInputs): { measuredSec: number; predictedSec: number } {
  switch (r.kind) {
    case 'gemm': {
      const flops = 2 * r.m * r.n * r.k * r.groups;
      const measuredSec = r.measuredUs !== undefined ? r.measuredUs * US : flops / (r.measuredTflops! * TFLOPS);
      const gpu = inputs.gpu(r.gpu);
      const dtype: ComputeDtype = r.dtype;
      const weightBytes = r.n * r.k * r.groups * BYTES_PER_ELEMENT[r.dtype === 'fp4' ? 'nvfp4' : r.dtype];
      // One call (a grouped GEMM is one kernel), its size class by one group's N x K, as estimate reads it.
      return { measuredSec, predictedSec: gemmSec(flops, weightBytes, r.m, dtype, kernelContext(gpu, 'fa3'), r.n * r.k) };
    }
    case 'attention': {
      const flops = attentionFlops(r);
      const measuredSec = r.measuredUs !== undefined ? r.measuredUs * US : flops / (r.measuredTflops! * TFLOPS);
      if (r.dtype === 'fp4') throw new Error('FP4 attention is not modelled');
      const rate = attentionFlopsPerSec(kernelContext(inputs.gpu(r.gpu), r.kernel), r.dtype, r.seqlen, r.seqlen);
      return { measuredSec, predictedSec: flops / rate };
    }
    case 'decode-attention': {
      if (r.kvDtype === 'fp4') throw new Error('an FP4 KV cache is not modelled');
      const bytes = r.batch * r.kvTokens * r.kvHeads * r.headDim * 2 * BYTES_PER_ELEMENT[r.kvDtype];
      return { measuredSec: r.measuredUs * US, predictedSec: decodeAttentionSec(kernelContext(inputs.gpu(r.gpu), r.kernel), r.kvDtype, bytes) };
    }
    case 'kv-capacity': {
      const deployed = inputs.deployment(r.cluster, r.engine);
      const cluster =
        r.gpuMemoryUtilization === undefined ? deployed : { ...deployed, engine: { ...deployed.engine, gpuMemoryUtilization: r.gpuMemoryUtilization } };
      const e = estimate({
        model: inputs.model(r.model),
        cluster,
        precision: { weights: r.weights, kvDtype: r.kvDtype },
        layout: { gpus: r.gpus, tp: r.tp, dcp: r.dcp > 1 ? r.dcp : undefined },
        workload: { contextTokens: 1024, cachedTokens: 0, batch: 1 },
        variant: 'auto',
      });
      // Tokens, not seconds (the case says so in `unit`).
      return { measuredSec: r.measuredTokens, predictedSec: e.memory.kvCapacityContextTokens };
    }
    default: {
      const cluster = inputs.deployment(r.cluster, r.engine);
      const model = inputs.model(r.model);
      const precision = { weights: r.weights, kvDtype: r.kvDtype, attentionDtype: r.attentionDtype };
      const run = (contextTokens: number) =>
        estimate({
          model,
          cluster,
          precision,
          layout: { gpus: r.gpus, tp: r.tp, cp: r.cp, ep: r.ep > 1 ? r.ep : undefined },
          workload: { contextTokens, cachedTokens: 0, batch: r.batch },
          variant: 'auto',
        });
      const out = r.outputTokens ?? 1;
      const prefill = run(r.inputTokens);
      // Decode steps see contexts from input + 1 to input + output: the middle one stands for their mean.
      const decodeAtMid = () => run(r.inputTokens + Math.max(1, Math.round(out / 2))).decode.ttitSec;
      const predictedSec =
        r.kind === 'ttft' ? prefill.prefill.ttftSec : r.kind === 'tpot' ? decodeAtMid() : prefill.prefill.ttftSec + (out - 1) * decodeAtMid();
      return { measuredSec: r.measuredMs * MS, predictedSec };
    }
  }
}

export function validateExternal(rows: readonly ExternalRow[], inputs: ExternalInputs): ExternalReport {
  const cases: ExternalCase[] = [];
  const skipped: ExternalReport['skipped'] = [];
  for (const r of rows) {
    let p: { measuredSec: number; predictedSec: number };
    try {
      p = predictRow(r, inputs);
    } catch (error) {
      // The first clause says what is missing; the rest (suggestions) is for a command line, not a report.
      skipped.push({ name: r.name, reason: (error as Error).message.split(/; |\? /)[0]! });
      continue;
    }
    const unit = r.kind === 'kv-capacity' ? 'tokens' : 's';
    cases.push({ name: r.name, kind: r.kind, gpu: r.gpu, engine: r.engine, role: r.role, ref: r.ref, unit, ...p, error: p.predictedSec / p.measuredSec - 1 });
  }
  const held = cases.filter((c) => c.role === 'held-out');
  const groupBy = (key: (c: ExternalCase) => string) => {
    const out: Record<string, Mape> = {};
    for (const k of [...new Set(held.map(key))].sort()) out[k] = mapeOf(held.filter((c) => key(c) === k));
    return out;
  };
  return {
    cases,
    skipped,
    fit: mapeOf(cases.filter((c) => c.role === 'fit')),
    heldOut: mapeOf(held),
    byGpu: groupBy((c) => c.gpu),
    byEngine: groupBy((c) => c.engine),
    byKind: groupBy((c) => c.kind),
  };
}
