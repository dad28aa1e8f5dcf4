import type { EstimateResult } from '../model/estimate.js';
import { decodeAttentionSec, familyUsed } from '../model/hardware/kernels.js';
import { DECODE_CP_TERM, explainStyle } from './explain-cp.js';
import type { explainLocals } from './explain-context.js';
import { bytes, int, sec, type Add } from './explain-terms.js';

/** The engine's kernel, and the family whose curve stands for it when the table lacks it (a transfer). */
const kernelName = (own: string, used: string) => (own === used ? own : `${own} (not in the table: ${used}'s curve, transferred)`);

/**
 * The decode terms of a uniform model, as the CP style placed the KV (DecodeRing: R ring steps over ctx/R
 * tokens, S head shards): the ring's pass-Q (ring; hierarchical across domains), Ulysses' All2Alls, or for
 * all-gather one TP group's decode as without CP.
 */
export function decodeTerms(r: EstimateResult, add: Add, x: ReturnType<typeof explainLocals>): void {
  const { c, lo, precision, L, N, B, tp, cpL, gemmRoofline, gemmParams, lmHeadFormula, table, allReduce } = x;
  const style = explainStyle(r);
  const d = r.decode;
  const db = d.breakdown;
  const dr = d.ring;
  // All-gather decodes on one TP group (the whole KV is on every rank): no padding, no CP term.
  const n = style === 'all-gather' ? 1 : N;
  const local = d.paddedBatch / n;
  const R = dr.steps;
  const S = dr.headShards;
  const cpName = DECODE_CP_TERM[style];
  add(
    'decode',
    'padded batch',
    d.paddedBatch,
    'sequences',
    n > 1 ? `⌈B/N⌉·N = ⌈${B}/${N}⌉·${N}` : style === 'all-gather' ? 'B (all-gather: a sequence decodes on one TP group, as without CP)' : 'B (CP1: no padding)',
  );
  add('decode', 'GEMM per layer', db.gemmSec / L, 's', `${gemmRoofline}, ${gemmParams}, tokens = ${n > 1 ? 'padded batch / N' : 'B'} = ${int(local)}`);
  const q = n === 1 ? 'B' : S > 1 ? 'min(padded batch / N·S, B)' : 'padded batch / N';
  const tokens = R === 1 ? '⌈ctx/DCP⌉' : R === N ? '⌈⌈ctx/N⌉/DCP⌉' : '⌈⌈ctx/r⌉/DCP⌉';
  const heads = S > 1 ? `, at 1/S = 1/${S} of the KV heads (Ulysses)` : '';
  add(
    'decode',
    'attention kernel',
    dr.kernelSec,
    's',
    `max(fixed + KV bytes / (HBM·f_decode), q·n·4·d·(H/TP)·DCP${S > 1 ? '/S' : ''} / (peak·f_attn)), q = ${q} = ${int(dr.queries)} queries, n = ${tokens} = ${int(dr.kvTokens)} tokens${heads}: ` +
      `${bytes(dr.kvBytes)} read in ${sec(decodeAttentionSec(c, precision.kvDtype, dr.kvBytes))} (${kernelName(c.engine.decodeAttention, familyUsed(c, 'decodeAttention', precision.kvDtype))} decode kernel, ${table}; fixed cost ${c.engine.attentionKernelSec === null ? "the table's" : `the engine's attentionKernelUs`})`,
  );
  add(
    'decode',
    'attention per layer',
    db.attentionSec / L,
    's',
    R > 1 ? `${R === N ? 'N' : 'r'} kernels, one per visiting query chunk = ${R}·${sec(dr.kernelSec)}` : 'one kernel',
  );
  add('decode', 'TP AllReduce per layer', db.tpCommSec / L, 's', tp > 1 ? allReduce(local, d.tpAllReduce) : 'TP1: no AllReduce');
  const ulysses = `All2All(queries + new K, V to the head owners) + All2All(outputs back) over S = ${S} ranks + 2·All2All setup = ${sec(dr.ulyssesAllToAllSec)}`;
  if (n > 1 && R > 1) {
    add(
      'decode',
      `${cpName} per layer`,
      db.cpCommSec / L,
      's',
      `(${R === N ? 'N' : 'r'}−1)·Q SendRecv + All2All (posted once) + merge + cpDecodeLayerUs${S > 1 ? ' + Ulysses All2Alls' : ''} = ${R - 1}·${sec(dr.qSendRecvSec)} + ${sec(dr.allToAllSec)} + ${sec(dr.mergeSec)} + ${sec(dr.fixedSec)}` +
        `${S > 1 ? ` + ${sec(dr.ulyssesAllToAllSec)}` : ''} (Q SendRecv: NCCL ${dr.sendRecv?.protocol ?? 'LL'} p2p over ${cpL.name}, latency-bound)`,
    );
  } else if (n > 1) {
    add(
      'decode',
      `${cpName} per layer`,
      db.cpCommSec / L,
      's',
      S > 1 ? ulysses : 'heads replicated (S = 1): every rank holds its sequences’ whole KV, no exchange',
    );
  }
  if (lo.dcp > 1) {
    add('decode', 'DCP per layer', db.dcpCommSec / L, 's', `AllGather of queries + ReduceScatter of partial outputs over ${lo.dcp} GPUs on ${c.scaleUp.name}`);
  }
  add('decode', 'GEMMs', db.gemmSec, 's', `L·GEMM per layer = ${L}·${sec(db.gemmSec / L)}`);
  add('decode', 'attention', db.attentionSec, 's', `L·attention per layer = ${L}·${sec(db.attentionSec / L)}`);
  add('decode', 'TP AllReduce', db.tpCommSec, 's', `L·TP AllReduce per layer = ${L}·${sec(db.tpCommSec / L)}`);
  const cpTotal =
    n > 1
      ? `L·${cpName} per layer = ${L}·${sec(db.cpCommSec / L)}`
      : style === 'all-gather'
        ? 'all-gather: the whole KV on every rank, no CP exchange at decode'
        : 'CP1: no ring';
  add('decode', cpName, db.cpCommSec, 's', cpTotal);
  add('decode', 'DCP', db.dcpCommSec, 's', lo.dcp > 1 ? `L·DCP per layer = ${L}·${sec(db.dcpCommSec / L)}` : 'DCP1: no exchange');
  add('decode', 'EP All2All', db.epCommSec, 's', 'dense FFNs: no expert parallelism');
  add('decode', 'LM head', db.lmHeadSec, 's', lmHeadFormula(`${n > 1 ? '(B/N)' : 'B'} (${int(local)})`));
  add(
    'decode',
    'engine overhead',
    db.overheadSec,
    's',
    `L·decodeLayerUs + decodeStepUs = ${L}·${sec(c.engine.decodeLayerSec)} + ${sec(c.engine.decodeStepSec)}`,
  );
  add('decode', 'TTIT', d.ttitSec, 's', `GEMMs + attention + TP AllReduce + ${cpName} + DCP + EP All2All + LM head + engine overhead`);
  add('decode', 'aggregate throughput', d.tokensPerSecondAggregate, 'tokens/s', `B / TTIT = ${B} / ${sec(d.ttitSec)}`);
  if (n > 1) add('decode', 'TTIT at CP1', r.decodeCp1.ttitSec, 's', `the same TP${tp} without CP${r.cp1Fits ? '' : ' (cannot hold this workload)'}`);
}
