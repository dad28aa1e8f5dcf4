import { cachedTokensOfLayer, layerGroups, usesMla } from './layers.js';
import { PARTIAL_OUTPUT_BYTES, kvBytesPerElement } from './precision.js';
import type { AttentionKind, KvDtype, Layout, ModelSpec } from './types.js';

/**
 * Cache elements one token adds to one layer of this kind, whole model (each
 * head counted once): GQA's K and V of every KV head; MLA's latent of
 * kvLoraRank + qkRopeHeadDim, shared by all heads; nothing for linear layers,
 * whose state does not grow with the context.
 */
export function kvElementsPerToken(model: ModelSpec, kind: AttentionKind): number {
  if (kind === 'linear') return 0;
  const mla = model.attention?.mla;
  if (kind === 'full' && mla) return mla.kvLoraRank + mla.qkRopeHeadDim;
  return 2 * model.kvHeads * model.headDim;
}

/** The same on one GPU: KV heads split over TP (or replicated when TP exceeds them); the MLA latent on every TP rank. */
export function kvElementsPerTokenPerGpu(model: ModelSpec, layout: Layout, kind: AttentionKind): number {
  if (kind === 'linear') return 0;
  if (kind === 'full' && usesMla(model)) return kvElementsPerToken(model, kind);
  return 2 * layout.kvHeadsPerGpu * model.headDim;
}

/**
 * KV-cache bytes one more token of context adds to the whole model: the
 * layers whose cache grows with the context (full attention). Sliding-window
 * and chunked layers stop growing at their window; linear layers never grow.
 */
export function kvBytesPerToken(model: ModelSpec, kvDtype: KvDtype): number {
  let elements = 0;
  for (const g of layerGroups(model)) if (g.attention === 'full') elements += g.count * kvElementsPerToken(model, g.attention);
  return elements * kvBytesPerElement(kvDtype);
}

/** The same on one GPU holding the token (replicated heads and the MLA latent included). */
export function kvBytesPerTokenPerGpu(model: ModelSpec, layout: Layout, kvDtype: KvDtype): number {
  let elements = 0;
  for (const g of layerGroups(model)) if (g.attention === 'full') elements += g.count * kvElementsPerTokenPerGpu(model, layout, g.attention);
  return elements * kvBytesPerElement(kvDtype);
}

/** A linear-attention layer's state per sequence, all heads: heads x keyDim x valueDim, kept in FP32. */
export function linearStateBytes(model: ModelSpec): number {
  const l = model.attention?.linear;
  return l ? l.heads * l.keyDim * l.valueDim * PARTIAL_OUTPUT_BYTES : 0;
}

/**
 * The KV cache of one sequence of `contextTokens` tokens: every layer, summed
 * over GPUs without duplication (no TP replication), at the KV dtype; bounded
 * layers hold at most their window, linear layers their fixed state.
 */
export function kvCacheBytesPerSequence(model: ModelSpec, kvDtype: KvDtype, contextTokens: number): number {
  let bytes = 0;
  for (const g of layerGroups(model)) {
    const perLayer =
      g.attention === 'linear'
        ? linearStateBytes(model)
        : cachedTokensOfLayer(model, g.attention, contextTokens) * kvElementsPerToken(model, g.attention) * kvBytesPerElement(kvDtype);
    bytes += g.count * perLayer;
  }
  return bytes;
}

/**
 * The KV cache one GPU holds for one sequence: full layers keep this rank's
 * token slots (CP, then DCP); bounded layers at most their window of them;
 * linear layers the state of this GPU's heads.
 */
export function kvCacheBytesPerGpu(model: ModelSpec, layout: Layout, kvDtype: KvDtype, contextTokens: number): number {
  const slots = kvTokensPerGpu(contextTokens, layout);
  let bytes = 0;
  for (const g of layerGroups(model)) {
    if (g.attention === 'linear') {
      bytes += (g.count * linearStateBytes(model)) / layout.tp;
      continue;
    }
    // A bounded layer keeps at most its window of this GPU's slots.
    const tokens = g.attention === 'full' ? slots : Math.min(slots, Math.ceil(cachedTokensOfLayer(model, g.attention, contextTokens) / layout.dcp));
    bytes += g.count * tokens * kvElementsPerTokenPerGpu(model, layout, g.attention) * kvBytesPerElement(kvDtype);
  }
  return bytes;
}

/**
 * How a CP style places one sequence's full-attention KV over its N CP ranks (README "Context-parallel
 * styles"): the context is cut into `ring` token ranges (the ring's steps); each range is held by
 * `ulysses` ranks that split its KV heads into `headShards` = min(ulysses, KV heads per GPU) shards, the
 * rest replicating them (`replicas` copies of every KV element over the CP group).
 * - ring: N ranges, one rank each;
 * - all-gather: one range, every rank whole (N replicas);
 * - Ulysses: one range, the heads over the N ranks (replicated when N exceeds the KV heads per GPU);
 * - hierarchical: a ring of N/u ranges over the NVLink domains, Ulysses over the u ranks of each.
 */
export function kvPlacement(layout: Layout): { ring: number; ulysses: number; headShards: number; replicas: number } {
  const n = layout.cp;
  const style = n > 1 ? (layout.cpStyle ?? 'ring') : 'ring';
  if (style === 'all-gather') return { ring: 1, ulysses: 1, headShards: 1, replicas: n };
  const ulysses = style === 'ulysses' ? n : style === 'hierarchical' ? layout.groups.cp.perDomain : 1;
  const headShards = Math.min(ulysses, layout.kvHeadsPerGpu);
  return { ring: n / ulysses, ulysses, headShards, replicas: ulysses / headShards };
}

/**
 * Tokens of one context whose KV fills one GPU token slot (a slot being one token at the per-GPU KV width):
 * ring·headShards·DCP. The KV capacity per GPU times this is the context the CP group (and DCP) holds.
 */
export function contextTokensPerKvSlot(layout: Layout): number {
  const k = kvPlacement(layout);
  return k.ring * k.headShards * layout.dcp;
}

/** Token slots of KV one GPU stores: its CP rank's share, then every dcp-th token of it (DCP). */
export function kvTokensPerGpu(tokens: number, layout: Layout): number {
  // All-gather CP keeps the whole context on every rank; Ulysses (and hierarchical's Ulysses part) a head
  // share, replicated when its ranks exceed the KV heads per GPU (counted here as token slots of the per-GPU
  // KV width): kvPlacement's replicas.
  if (layout.cpStyle === 'all-gather') return Math.ceil(tokens / layout.dcp);
  const shard = Math.ceil(tokensPerCpRank(tokens, layout.cp) / layout.dcp);
  return shard * kvPlacement(layout).replicas;
}

/**
 * Tokens one CP rank holds with the paper's load-balanced sharding: the
 * sequence is cut into 2N equal chunks (the last padded) and rank i takes
 * chunks i and 2N-1-i, so every rank holds 2 * ceil(T / 2N) token slots.
 */
export function tokensPerCpRank(tokens: number, cp: number): number {
  if (cp <= 1) return tokens;
  return 2 * Math.ceil(tokens / (2 * cp));
}
