import { kvBytesPerElement } from './precision.js';
import type { KvDtype, Layout, ModelSpec } from './types.js';

/** KV-cache bytes one token adds to the whole model: K and V, every layer, every KV head. */
export function kvBytesPerToken(model: ModelSpec, kvDtype: KvDtype): number {
  return 2 * model.layers * model.kvHeads * model.headDim * kvBytesPerElement(kvDtype);
}

/** KV-cache bytes one token costs on one GPU holding it (replicated heads included). */
export function kvBytesPerTokenPerGpu(model: ModelSpec, layout: Layout, kvDtype: KvDtype): number {
  return 2 * model.layers * layout.kvHeadsPerGpu * model.headDim * kvBytesPerElement(kvDtype);
}

/** Token slots of KV one GPU stores: its CP rank's share, then every dcp-th token of it (DCP). */
export function kvTokensPerGpu(tokens: number, layout: Layout): number {
  return Math.ceil(tokensPerCpRank(tokens, layout.cp) / layout.dcp);
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
