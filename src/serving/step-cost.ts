import { estimateDecode } from '../model/decode.js';
import { estimatePrefill } from '../model/prefill.js';
import type { ClusterSpec, Layout, ModelSpec, Precision } from '../model/types.js';

/**
 * The time of one forward pass of a continuous-batching engine on one replica (a TP group, CP1), built from
 * cp-plan's decode and prefill models, as vLLM and SGLang schedule a step: b decoding sequences (one token
 * each, holding K tokens of context together) and prefill chunks (c new tokens after p cached each) in one
 * mixed batch.
 *
 *   step = G(b + Σc) + [b > 0] A(K) + Σ α·pairs(c, p) + LM(b + prefills finishing) + fixed
 *
 * G(M): the GEMMs, TP all-reduces and expert All2Alls of M tokens (decode model at batch M, context 1);
 * A(K): decode attention, a fixed cost per layer plus K tokens of KV read (a line through the decode model
 * at two contexts); α: prefill attention per causal pair (prefill model at the request's prompt length);
 * LM: the LM head over the sequences that emit a token; fixed: the engine's cost per step and per layer
 * (its prefill per-layer cost when the step holds a prefill chunk). Pure; G and LM are memoised by M.
 */
export interface StepCostModel {
  /** Seconds of one step. `pairs` is Σ over the step's chunks of c·p + c(c+1)/2, at `alpha`. */
  stepSec(decoding: number, contextTokens: number, prefillTokens: number, attentionSec: number, emitting: number): number;
  /** Seconds of prefill attention per causal pair for prompts of about `promptTokens`. */
  alpha(promptTokens: number): number;
}

export function stepCostModel(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision): StepCostModel {
  const dense = new Map<number, number>();
  const lmHead = new Map<number, number>();
  const decodeAt = (batch: number, contextTokens: number) => estimateDecode(model, cluster, layout, precision, { contextTokens, cachedTokens: 0, batch });
  const G = (m: number) => {
    let v = dense.get(m);
    if (v === undefined) {
      const b = decodeAt(m, 1).breakdown;
      v = b.gemmSec + b.tpCommSec + b.epCommSec + b.dcpCommSec;
      dense.set(m, v);
    }
    return v;
  };
  const LM = (m: number) => {
    if (m <= 0) return 0;
    let v = lmHead.get(m);
    if (v === undefined) lmHead.set(m, (v = decodeAt(m, 1).breakdown.lmHeadSec));
    return v;
  };
  // Decode attention: the fixed cost per layer and the KV read per token of context, from two contexts.
  const c1 = 4096;
  const c2 = 65536;
  const a1 = decodeAt(1, c1).breakdown.attentionSec;
  const a2 = decodeAt(1, c2).breakdown.attentionSec;
  const perToken = (a2 - a1) / (c2 - c1);
  const intercept = Math.max(0, a1 - perToken * c1);
  const e = cluster.engine;
  const alphaMemo = new Map<number, number>();
  return {
    stepSec(decoding, contextTokens, prefillTokens, attentionSec, emitting) {
      if (decoding === 0 && prefillTokens === 0) return 0;
      const fixed = e.decodeStepSec + model.layers * (prefillTokens > 0 ? Math.max(e.prefillLayerSec, e.decodeLayerSec) : e.decodeLayerSec);
      const decodeAttention = decoding > 0 ? intercept + perToken * contextTokens : 0;
      return G(decoding + prefillTokens) + decodeAttention + attentionSec + LM(emitting) + fixed;
    },
    alpha(promptTokens) {
      // Bucketed by powers of two: the kernel's efficiency changes slowly with length.
      const bucket = 2 ** Math.max(7, Math.round(Math.log2(Math.max(1, promptTokens))));
      let v = alphaMemo.get(bucket);
      if (v === undefined) {
        const p = estimatePrefill(model, cluster, layout, precision, { contextTokens: bucket, cachedTokens: 0, batch: 1 }, 'pass-kv');
        v = p.breakdown.attentionSec / ((bucket * (bucket + 1)) / 2);
        alphaMemo.set(bucket, v);
      }
      return v;
    },
  };
}

/** Causal pairs of a chunk of c new tokens after p earlier ones. */
export function chunkPairs(c: number, p: number): number {
  return c * p + (c * (c + 1)) / 2;
}
