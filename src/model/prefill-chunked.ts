import { estimatePrefill, type PrefillBreakdown, type PrefillEstimate } from './prefill.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, RingVariant, Workload } from './types.js';

/** The prefill chunk a workload is costed with: the one asked for (null: whole prompts), else the engine's default. */
export function prefillChunkOf(asked: number | null | undefined, cluster: ClusterSpec): number | null {
  return asked === undefined ? cluster.engine.prefillChunkTokens : asked;
}

/** Whether the new tokens go through in one pass (no chunking, or a chunk that holds them; at least one token per CP rank). */
function oneChunk(newTokens: number, chunkTokens: number | null, cp: number): boolean {
  return chunkTokens === null || newTokens <= Math.max(chunkTokens, cp);
}

/** Only the TTFT of estimatePrefillChunked: the plain prefill when it is one chunk (the planner's hot path). */
export function chunkedPrefillSec(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  variant: RingVariant,
  chunkTokens: number | null,
): number {
  return oneChunk(workload.contextTokens - workload.cachedTokens, chunkTokens, layout.cp)
    ? estimatePrefill(model, cluster, layout, precision, workload, variant).ttftSec
    : estimatePrefillChunked(model, cluster, layout, precision, workload, variant, chunkTokens).ttftSec;
}

/** A prefill estimate with the chunking it was costed with (1 chunk and the chunk size when not chunked). */
export type ChunkedPrefillEstimate = PrefillEstimate & { chunks: number; chunkTokens: number | null };

/**
 * Chunked prefill, as vLLM (max_num_batched_tokens) and SGLang (--chunked-prefill-size) run it: the new
 * tokens go through the model in chunks of at most `chunkTokens`, each chunk a partial prefill against
 * everything before it (the cached prefix and the earlier chunks, read again from the KV cache). Activations
 * are bounded by one chunk; attention does the same causal work; the GEMMs lose efficiency at smaller M and
 * every chunk pays the per-layer and per-pass costs again. The engine's serial time per context token is
 * paid once for the whole context (it is per token, not per pass). Pure.
 *
 * Returns the unchunked estimate when the new tokens fit in one chunk.
 */
export function estimatePrefillChunked(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  variant: RingVariant,
  chunkTokens: number | null,
): ChunkedPrefillEstimate {
  const newTokens = workload.contextTokens - workload.cachedTokens;
  // A chunk is split over the CP ranks like a whole prefill: at least one token per rank.
  const chunk = chunkTokens === null ? null : Math.max(chunkTokens, layout.cp);
  if (chunk === null || oneChunk(newTokens, chunk, layout.cp)) {
    // The estimate is this call's own object: extended in place (a spread copy halved the planner's rate).
    return Object.assign(estimatePrefill(model, cluster, layout, precision, workload, variant), { chunks: 1, chunkTokens: chunk });
  }
  const chunks = Math.ceil(newTokens / chunk);
  const serialSec = cluster.engine.serialSecPerContextToken * workload.batch * workload.contextTokens;
  const sum: PrefillBreakdown = { gemmSec: 0, attentionSec: 0, mergeSec: 0, tpCommSec: 0, cpCommExposedSec: 0, epCommSec: 0, lmHeadSec: 0, overheadSec: 0 };
  let layers: PrefillEstimate['layers'] | null = null;
  const chunkAt = (k: number) => {
    const cached = workload.cachedTokens + k * chunk;
    const size = Math.min(chunk, newTokens - k * chunk);
    return estimatePrefill(model, cluster, layout, precision, { ...workload, cachedTokens: cached, contextTokens: cached + size }, variant);
  };
  const add = (part: PrefillEstimate, weight: number, k: number) => {
    const b = part.breakdown;
    const cached = workload.cachedTokens + k * chunk;
    const size = Math.min(chunk, newTokens - k * chunk);
    sum.gemmSec += weight * b.gemmSec;
    sum.attentionSec += weight * b.attentionSec;
    sum.mergeSec += weight * b.mergeSec;
    sum.tpCommSec += weight * b.tpCommSec;
    sum.cpCommExposedSec += weight * b.cpCommExposedSec;
    sum.epCommSec += weight * b.epCommSec;
    // The per-pass cost of every chunk; the per-token serial time is added once below.
    sum.overheadSec += weight * (b.overheadSec - cluster.engine.serialSecPerContextToken * workload.batch * (cached + size));
    layers = layers === null ? part.layers.map((l) => scaleLayer(l, weight)) : layers.map((l, i) => addLayer(l, part.layers[i]!, weight));
  };
  // Full chunks differ only in the prefix they attend to, smoothly (attention grows linearly with it): up to
  // 8 chunks are costed one by one; more by Simpson's rule over the full chunks (exact for costs linear in the
  // chunk's index, within 0.5% of the chunk-by-chunk sum in a test). A last, shorter chunk is costed on its own.
  const full = newTokens % chunk === 0 ? chunks : chunks - 1;
  if (full <= 8) {
    for (let k = 0; k < full; k++) add(chunkAt(k), 1, k);
  } else {
    const mid = (full - 1) / 2;
    const lo = Math.floor(mid);
    const hi = Math.ceil(mid);
    const first = chunkAt(0);
    const lastFull = chunkAt(full - 1);
    add(first, full / 6, 0);
    add(lastFull, full / 6, full - 1);
    // The middle chunk, interpolated between its two neighbours when the count is even.
    if (lo === hi) add(chunkAt(lo), (4 * full) / 6, lo);
    else {
      add(chunkAt(lo), (2 * full) / 6, lo);
      add(chunkAt(hi), (2 * full) / 6, hi);
    }
  }
  const last = full < chunks ? chunkAt(chunks - 1) : chunkAt(full - 1);
  if (full < chunks) add(last, 1, chunks - 1);
  // Only the last chunk's last token needs the LM head (engines skip it for the others).
  sum.lmHeadSec = last.breakdown.lmHeadSec;
  sum.overheadSec += serialSec;
  const ttftSec = Object.values(sum).reduce((a, x) => a + x, 0);
  const whole = estimatePrefill(model, cluster, layout, precision, workload, variant);
  const idealSec = whole.mfu * whole.ttftSec * layout.gpus;
  return {
    ...whole,
    ttftSec,
    breakdown: sum,
    layers: layers!,
    ring: last.ring,
    mfu: idealSec / (ttftSec * layout.gpus),
    achievedFlopsPerSecPerGpu: whole.flops.total / ttftSec / layout.gpus,
    chunks,
    chunkTokens: chunk,
  };
}

type LayerCost = PrefillEstimate['layers'][number];

function scaleLayer(a: LayerCost, w: number): LayerCost {
  return addLayer({ ...a, gemmSec: 0, attentionSec: 0, mergeSec: 0, tpCommSec: 0, cpCommExposedSec: 0, epCommSec: 0 }, a, w);
}

function addLayer(a: LayerCost, b: LayerCost, w: number): LayerCost {
  return {
    ...a,
    gemmSec: a.gemmSec + w * b.gemmSec,
    attentionSec: a.attentionSec + w * b.attentionSec,
    mergeSec: a.mergeSec + w * b.mergeSec,
    tpCommSec: a.tpCommSec + w * b.tpCommSec,
    cpCommExposedSec: a.cpCommExposedSec + w * b.cpCommExposedSec,
    epCommSec: a.epCommSec + w * b.epCommSec,
  };
}
