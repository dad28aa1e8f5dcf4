import type { EstimateResult } from '../model/estimate.js';
import { formatSeconds } from './format.js';

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
