import { layersByAttention, moeLayers } from '../model/layers.js';
import type { ModelSpec } from '../model/types.js';
import { formatInt } from './format.js';

/** Windows as people write them: 1K, 8K, 128. */
function tokens(n: number): string {
  return n >= 1024 && n % 1024 === 0 ? `${n / 1024}K` : formatInt(n);
}

/** The attention of a model in a few words: `GQA 128/8`, `MLA 128 heads`, `GQA 40/8; 36 chunked 8K`. */
export function attentionSummary(m: ModelSpec): string {
  const head = m.attention?.mla ? `MLA ${m.attentionHeads} heads` : `GQA ${m.attentionHeads}/${m.kvHeads}`;
  const counts = layersByAttention(m);
  const extra: string[] = [];
  if (counts.sliding) extra.push(`${counts.sliding} sliding ${tokens(m.attention!.slidingWindowTokens!)}`);
  if (counts.chunked) extra.push(`${counts.chunked} chunked ${tokens(m.attention!.chunkTokens!)}`);
  if (counts.linear) extra.push(`${counts.linear} linear`);
  return extra.length ? `${head}; ${extra.join(', ')}` : head;
}

/** The FFN of a model in a few words: `dense`, `MoE 256 top-8 +1 shared (58 layers)`. */
export function ffnSummary(m: ModelSpec): string {
  const moe = m.moe;
  if (!moe) return 'dense';
  const shared = moe.sharedExperts ? ` +${moe.sharedExperts}` : '';
  const layers = moeLayers(m);
  return `MoE ${moe.experts} top-${moe.topK}${shared}${layers < m.layers ? ` (${layers} layers)` : ''}`;
}
