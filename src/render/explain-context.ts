import type { EstimateResult } from '../model/estimate.js';
import { nicBytesPerSecPerGpu } from '../model/hardware/topology.js';
import { ringHop } from '../model/prefill.js';
import type { CollectiveCost } from '../model/hardware/collectives.js';
import { describeCollective, describeGroupLinks } from './collective-text.js';
import { tokensPerCpRank } from '../model/kv-cache.js';
import { kvBytesPerElement, weightDtypes } from '../model/precision.js';
import { attentionParamsPerGpu, ffnParamsPerGpu } from '../model/shapes.js';
import { bytes, int, mega, sec } from './explain-terms.js';

/** The quantities every section of the explanation reads (one estimate's model, cluster, layout and workload). Pure. */
export function explainLocals(r: EstimateResult) {
  const { model: m, cluster: c, layout: lo, workload: w, precision } = r;
  const L = m.layers;
  const N = lo.cp;
  const B = w.batch;
  const P = w.cachedTokens;
  const T = w.contextTokens - P;
  const tp = lo.tp;
  const dt = weightDtypes(precision.weights);
  const eKv = kvBytesPerElement(precision.kvDtype);
  const bf16 = c.gpu.bf16FlopsPerSec;
  const hbmBw = c.gpu.hbmBytesPerSec;
  const cpNet = ringHop(lo) === 'net';
  const cpL = cpNet ? c.scaleOut : c.scaleUp;
  const cpKey = cpNet ? 'scaleOut' : 'scaleUp';
  const cpPeerBw = cpNet ? nicBytesPerSecPerGpu(c) : c.scaleUp.peerBytesPerSec;
  const newPerRank = tokensPerCpRank(T, N);
  const shard = N > 1 ? `2·⌈${int(T)}/${2 * N}⌉` : int(T);
  const gemmRoofline = 'calls·t_fix + max(2·params·tokens / (peak·f_gemm(tokens)), params·e / (HBM·b_gemm))';
  const ap = attentionParamsPerGpu(m, lo, 'full');
  const pg = { qo: ap.qo, kv: ap.kv, ffn: ffnParamsPerGpu(m, lo, false), norms: 2 * m.hiddenSize };
  const gemmParams = `QKV/O ${mega(pg.qo + pg.kv)} params ${dt.attention} + FFN ${mega(pg.ffn)} params ${dt.ffn}`;
  const lmHeadFormula = (tokens: string) =>
    `t_fix + max(2·V·D/TP·${tokens} / (BF16 peak·f_gemm), V·D/TP·2 B / (HBM·b_gemm)), V·D/TP = ${mega((m.vocabSize * m.hiddenSize) / tp)}`;
  const attnDtype = precision.attentionDtype ?? 'bf16';
  const k = c.gpu.kernels;
  const table = `kernel table ${k.name} (${k.provenance === 'measured' ? 'measured' : `transferred: measured on ${k.measuredOn}`})`;
  const scaled = (scale: number) => (scale !== 1 ? ` × ${scale} (${c.name}'s calibration with ${c.scales.engine})` : '');
  const eng = `engine ${c.engine.name}:`;
  const engineTerm = (key: string) => `${eng} ${key} (${c.engine.provenance[key] ?? 'assumed'})`;
  // NCCL's tuner prices ring, tree, NVLS and hierarchical algorithms at each protocol and takes the fastest.
  const allReduce = (tokens: number, cost: CollectiveCost) =>
    `2·AllReduce(tokens·D·2 B = ${bytes(tokens * m.hiddenSize * 2)}) over TP${tp} on ${describeGroupLinks(lo.groups.tp, c)}; ` +
    `fastest per NCCL's tuning model: ${describeCollective(cost)}, latency ${sec(cost.latencySec)} + bytes / bandwidth + pipeline fill = ${sec(cost.sec)} each`;
  return {
    m,
    c,
    lo,
    w,
    precision,
    L,
    N,
    B,
    P,
    T,
    tp,
    dt,
    eKv,
    bf16,
    hbmBw,
    cpNet,
    cpL,
    cpKey,
    cpPeerBw,
    newPerRank,
    shard,
    gemmRoofline,
    ap,
    pg,
    gemmParams,
    lmHeadFormula,
    attnDtype,
    k,
    table,
    scaled,
    eng,
    engineTerm,
    allReduce,
  };
}

export type ExplainLocals = ReturnType<typeof explainLocals>;
