import type { EstimateResult } from '../model/estimate.js';
import { linearStateBytes } from '../model/kv-cache.js';
import { layersByAttention, windowTokens } from '../model/layers.js';
import { ACTIVATION_BYTES, kvBytesPerElement } from '../model/precision.js';
import { qHeadDim } from '../model/shapes.js';
import { formatBytes, formatInt, formatPercent, formatSeconds } from './format.js';

const LABEL = { 'pass-kv': 'pass-KV', 'pass-q': 'pass-Q' } as const;

/**
 * Why the faster variant wins, in one sentence built from the per-layer
 * costs that differ between the two: pass-KV's exposed SendRecv against
 * pass-Q's All2All plus its own exposed Q SendRecv.
 */
export function choiceReason(r: EstimateResult): string {
  const n = r.layout.cp;
  if (n === 1) return 'CP1: there is no ring, so pass-KV and pass-Q are the same computation';
  const kv = r.variants['pass-kv'].ring;
  const q = r.variants['pass-q'].ring;
  const qCost = q.allToAllSec + q.exposedSec;
  const qText = `${formatSeconds(q.allToAllSec)} of All2All` + (q.exposedSec > 0 ? ` plus ${formatSeconds(q.exposedSec)} of exposed Q SendRecv` : '');
  if (r.fasterVariant === 'pass-q') {
    return `pass-Q: pass-KV's ${n - 1} ring steps expose ${formatSeconds(kv.exposedSec)} of SendRecv per layer, more than pass-Q's ${qText}`;
  }
  if (kv.exposedSec === 0) {
    return `pass-KV: its ${formatSeconds(kv.stepSendRecvSec)} SendRecv per ring step hides under ${formatSeconds(kv.stepComputeSec)} of attention, while pass-Q would add ${qText} per layer`;
  }
  return `pass-KV: its ${n - 1} ring steps expose ${formatSeconds(kv.exposedSec)} of SendRecv per layer, less than pass-Q's ${formatSeconds(qCost)} (${qText})`;
}

/** Notes where the reported variant differs from the faster one, or the paper's Algorithm 5 from the model. */
export function choiceNotes(r: EstimateResult): string[] {
  const notes: string[] = [];
  const faster = r.fasterVariant;
  const other = faster === 'pass-kv' ? 'pass-q' : 'pass-kv';
  const gap = r.variants[other].ttftSec - r.variants[faster].ttftSec;
  if (r.layout.cp === 1) return notes;
  notes.push(...architectureNotes(r));
  if (r.prefill.variant !== faster) {
    notes.push(`--variant forces ${LABEL[r.prefill.variant]}; auto would pick ${LABEL[faster]}, ${formatSeconds(gap)} faster`);
  }
  if (r.heuristic.algorithm5 !== faster) {
    notes.push(
      `the paper's Algorithm 5 picks ${LABEL[r.heuristic.algorithm5]} here, but cp-plan's timing model picks ${LABEL[faster]} (by ${formatSeconds(gap)}): ` +
        `the equations leave out message latencies, the All2All's own bandwidth, the merge and (for long new spans) the causal mask`,
    );
  }
  return notes;
}

/**
 * Where the paper's dense-GQA reasoning changes with the model's layer kinds:
 * MLA's shared latent, layers whose window needs only a halo, linear layers
 * that pass a fixed state. Empty for a dense GQA model.
 */
export function architectureNotes(r: EstimateResult): string[] {
  const { model, layout, precision } = r;
  const notes: string[] = [];
  const counts = layersByAttention(model);
  const mla = model.attention?.mla;
  if (mla) {
    const latent = mla.kvLoraRank + mla.qkRopeHeadDim;
    const eKv = kvBytesPerElement(precision.kvDtype);
    const kvBytes = latent * eKv;
    const qAll = model.attentionHeads * qHeadDim(model) * ACTIVATION_BYTES;
    const qGpu = layout.qHeadsPerGpu * qHeadDim(model) * ACTIVATION_BYTES;
    // Below this miss rate pass-Q's messages are the smaller ones (Eq. 1), with the latent split over the TP ranks.
    const split = formatPercent(kvBytes / qAll);
    notes.push(
      `MLA: a token's KV is one ${latent}-element latent shared by all ${model.attentionHeads} heads (${formatBytes(kvBytes)} per layer), ` +
        `${Math.round(qAll / kvBytes)}x less than its Q (${formatBytes(qAll)}); on one GPU per sequence shard pass-Q's messages would be smaller only below a ${split} miss rate, so pass-KV is nearly always right` +
        (layout.tp > 1
          ? `. But at TP${layout.tp} every rank needs, and here sends, the whole latent for only its ${layout.qHeadsPerGpu} heads (${formatBytes(kvBytes)} against ${formatBytes(qGpu)} of Q), ` +
            `which moves pass-Q's region up to a ${formatPercent(r.heuristic.eq1.threshold)} miss rate; a ring that sends 1/TP of the latent per rank and gathers it over ${r.cluster.scaleUp.name} (not modelled) would keep it at ${split}`
          : ''),
    );
  }
  const bounded = (['sliding', 'chunked'] as const).filter((k) => counts[k] > 0);
  if (bounded.length > 0) {
    const parts = bounded.map(
      (k) => `${counts[k]} ${k === 'sliding' ? 'sliding-window' : 'chunked'} layers (window ${formatInt(windowTokens(model, k) ?? 0)} tokens)`,
    );
    notes.push(
      `only the ${counts.full} full-attention layers run the ring and this choice; the ${parts.join(' and ')} exchange just a halo of KV with the neighbouring ranks`,
    );
  }
  if (counts.linear > 0) {
    notes.push(
      `the ${counts.linear} linear-attention layers keep no KV: each CP rank hands the next its running state (${formatBytes(linearStateBytes(model) / layout.tp)} per GPU per sequence) instead of running a ring`,
    );
  }
  return notes;
}
