import type { AttentionKind, ModelSpec } from './types.js';

/**
 * Layers that cost the same: one attention kind and one FFN kind. A model's
 * time, FLOPs and memory are the sum over its groups of count x one layer's.
 * A dense GQA model is one group of `layers` full, dense layers.
 */
export interface LayerGroup {
  attention: AttentionKind;
  /** Whether the FFN is a mixture of experts. */
  moe: boolean;
  count: number;
}

const cache = new WeakMap<ModelSpec, LayerGroup[]>();

/** The model's layer groups, in a fixed order (full, sliding, chunked, linear; dense before MoE). */
export function layerGroups(model: ModelSpec): LayerGroup[] {
  const known = cache.get(model);
  if (known) return known;
  const pattern = model.attention?.pattern ?? ['full'];
  const counts = new Map<string, LayerGroup>();
  for (let i = 0; i < model.layers; i++) {
    const attention = pattern[i % pattern.length]!;
    const moe = isMoeLayer(model, i);
    const key = `${attention}/${moe}`;
    const group = counts.get(key);
    if (group) group.count++;
    else counts.set(key, { attention, moe, count: 1 });
  }
  const order: AttentionKind[] = ['full', 'sliding', 'chunked', 'linear'];
  const groups = [...counts.values()].sort((a, b) => order.indexOf(a.attention) - order.indexOf(b.attention) || Number(a.moe) - Number(b.moe));
  cache.set(model, groups);
  return groups;
}

/** Layer i (from 0) has an MoE FFN: past the leading dense layers, on every layerInterval-th layer counting from 1. */
export function isMoeLayer(model: ModelSpec, i: number): boolean {
  const moe = model.moe;
  if (!moe) return false;
  return i >= moe.firstDenseLayers && (i + 1) % moe.layerInterval === 0;
}

/** Layers of each attention kind. */
export function layersByAttention(model: ModelSpec): Record<AttentionKind, number> {
  const out: Record<AttentionKind, number> = { full: 0, sliding: 0, chunked: 0, linear: 0 };
  for (const g of layerGroups(model)) out[g.attention] += g.count;
  return out;
}

/** Layers with an MoE FFN. */
export function moeLayers(model: ModelSpec): number {
  return layerGroups(model).reduce((n, g) => n + (g.moe ? g.count : 0), 0);
}

/** Whether full-attention layers use multi-head latent attention. */
export function usesMla(model: ModelSpec): boolean {
  return Boolean(model.attention?.mla);
}

/**
 * KV heads as the cache sees them: MLA caches one latent shared by every head,
 * which behaves like a single KV head (every TP rank needs all of it).
 */
export function cacheKvHeads(model: ModelSpec): number {
  return usesMla(model) ? 1 : model.kvHeads;
}

/** The window a bounded layer attends within (sliding window W or chunk C); null for full and linear layers. */
export function windowTokens(model: ModelSpec, kind: AttentionKind): number | null {
  if (kind === 'sliding') return model.attention?.slidingWindowTokens ?? null;
  if (kind === 'chunked') return model.attention?.chunkTokens ?? null;
  return null;
}

/** Tokens of context a layer keeps in its KV cache after `contextTokens` tokens. */
export function cachedTokensOfLayer(model: ModelSpec, kind: AttentionKind, contextTokens: number): number {
  if (kind === 'linear') return 0;
  const window = windowTokens(model, kind);
  return window === null ? contextTokens : Math.min(contextTokens, window);
}

/**
 * (query, key) pairs a layer computes when T new tokens follow P cached ones.
 * full: causal, every new token sees every earlier token and itself.
 * sliding W: token at position x (from 1) sees min(x, W) tokens.
 * chunked C: token at position x sees the ((x - 1) mod C) + 1 tokens of its chunk up to itself.
 * linear: none (its cost is per token, see linearAttentionFlopsPerToken).
 */
export function attentionPairs(model: ModelSpec, kind: AttentionKind, newTokens: number, cachedTokens: number): number {
  const before = cachedTokens;
  const after = cachedTokens + newTokens;
  switch (kind) {
    case 'full':
      return newTokens * cachedTokens + (newTokens * (newTokens + 1)) / 2;
    case 'sliding':
      return slidingPrefix(after, model.attention!.slidingWindowTokens!) - slidingPrefix(before, model.attention!.slidingWindowTokens!);
    case 'chunked':
      return chunkedPrefix(after, model.attention!.chunkTokens!) - chunkedPrefix(before, model.attention!.chunkTokens!);
    case 'linear':
      return 0;
  }
}

/** Pairs of positions 1..n under a sliding window W: sum of min(x, W). */
function slidingPrefix(n: number, w: number): number {
  return n <= w ? (n * (n + 1)) / 2 : (w * (w + 1)) / 2 + (n - w) * w;
}

/** Pairs of positions 1..n under chunked attention of chunk C: full chunks plus the partial one. */
function chunkedPrefix(n: number, c: number): number {
  const full = Math.floor(n / c);
  const rest = n - full * c;
  return (full * c * (c + 1)) / 2 + (rest * (rest + 1)) / 2;
}
