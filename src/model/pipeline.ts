import { estimateDecode } from './decode.js';
import { sendRecv } from './hardware/collectives.js';
import type { LayoutRequest } from './layout.js';
import { resolveLayout, withoutCp } from './layout.js';
import { memoryPerGpu, type MemoryEstimate } from './memory.js';
import { ACTIVATION_BYTES } from './precision.js';
import { estimatePrefill } from './prefill.js';
import { estimatePrefillChunked, prefillChunkOf } from './prefill-chunked.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, RingVariant, Workload } from './types.js';

/**
 * Pipeline parallelism (--pp S): the layers split over S stages, each stage a TP x CP group of its own
 * GPUs; activations go from stage to stage. A prompt in C chunks (SGLang's chunked pipeline, Mnemosyne's
 * SPP) flows through the stages like a pipeline: with t_k the whole model's time for chunk k on one
 * stage's GPUs, the prefill takes about
 *
 *   TTFT = Σ t_k / S + (S - 1) t_last / S + (S - 1) x hand-off,
 *
 * the first term the work spread over the stages, the second the bubble (the last, longest chunk still
 * crossing the pipeline; (S - 1)/(S - 1 + C) of the time for equal chunks). One whole prompt (C = 1) gets
 * no speed-up, only memory. Decode passes one step through every stage in turn. Memory is one stage's:
 * L/S layers (rounded up), with their weights and KV. Pure; S = 1 is the plain estimate.
 */
export interface PipelineEstimate {
  stages: number;
  stageLayers: number;
  stageLayout: Layout;
  chunks: number;
  ttftSec: number;
  /** Σ t_k: the whole model, chunk after chunk, on one stage's GPUs (what S = 1 would take there). */
  serialSec: number;
  /** Share of the TTFT the stages wait: 1 - (Σ t_k / S) / TTFT. */
  bubbleFraction: number;
  /** One activation hand-off between stages (per chunk). */
  handoffSec: number;
  ttitSec: number;
  memory: MemoryEstimate;
}

export function estimatePipeline(
  model: ModelSpec,
  cluster: ClusterSpec,
  precision: Precision,
  stage: LayoutRequest,
  stages: number,
  workload: Workload,
  variant: RingVariant,
): PipelineEstimate {
  return estimatePipelineLayout(model, cluster, precision, resolveLayout(stage, model, cluster), stages, workload, variant);
}

/** estimatePipeline for a resolved stage layout (the planner's). Pure. */
export function estimatePipelineLayout(
  model: ModelSpec,
  cluster: ClusterSpec,
  precision: Precision,
  layout: Layout,
  stages: number,
  workload: Workload,
  variant: RingVariant,
): PipelineEstimate {
  const chunk = prefillChunkOf(workload.prefillChunkTokens, cluster);
  const w = { ...workload, prefillChunkTokens: chunk };
  const whole = estimatePrefillChunked(model, cluster, layout, precision, w, variant, chunk);
  const newTokens = workload.contextTokens - workload.cachedTokens;
  const lastSize = whole.chunks > 1 ? newTokens - (whole.chunks - 1) * (whole.chunkTokens ?? newTokens) : newTokens;
  const last =
    whole.chunks > 1
      ? estimatePrefill(model, cluster, layout, precision, { ...workload, cachedTokens: workload.contextTokens - lastSize }, variant).ttftSec
      : whole.ttftSec;
  // A stage sends its TP share of the hidden states of a chunk to the next (the next node, past one node).
  const hop = layout.gpus >= cluster.gpusPerNode ? 'net' : 'intra';
  const handoffSec =
    stages > 1 ? sendRecv((workload.batch * Math.min(newTokens, chunk ?? newTokens) * model.hiddenSize * ACTIVATION_BYTES) / layout.tp, hop, cluster).sec : 0;
  const ttftSec = whole.ttftSec / stages + ((stages - 1) / stages) * last + (stages - 1) * handoffSec;
  const decodeHandoff = stages > 1 ? sendRecv((workload.batch * model.hiddenSize * ACTIVATION_BYTES) / layout.tp, hop, cluster).sec : 0;
  // All-gather CP keeps the whole KV on every rank: a sequence decodes on one TP group (as estimate does).
  const decodeLayout = layout.cp > 1 && layout.cpStyle === 'all-gather' ? withoutCp(layout, model, cluster) : layout;
  const ttitSec = estimateDecode(model, cluster, decodeLayout, precision, w).ttitSec + (stages - 1) * decodeHandoff;
  const stageLayers = Math.ceil(model.layers / stages);
  const memory = memoryPerGpu(stages > 1 ? { ...model, layers: stageLayers } : model, cluster, layout, precision, w);
  return {
    stages,
    stageLayers,
    stageLayout: layout,
    chunks: whole.chunks,
    ttftSec,
    serialSec: whole.ttftSec,
    bubbleFraction: 1 - whole.ttftSec / stages / ttftSec,
    handoffSec,
    ttitSec,
    memory,
  };
}
