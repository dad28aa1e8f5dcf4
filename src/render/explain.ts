import { describeGroupLinks } from './collective-text.js';
import type { EstimateResult } from '../model/estimate.js';
import { kvBytesPerTokenPerGpu } from '../model/kv-cache.js';
import { layerGroups, usesMla } from '../model/layers.js';
import { activationBytesPerToken, activationParts } from '../model/memory.js';
import { BYTES_PER_ELEMENT, type Dtype } from '../model/precision.js';
import { decodeAttentionSec, familyUsed } from '../model/hardware/kernels.js';

/** The engine's kernel, and the family whose curve stands for it when the table lacks it (a transfer). */
const kernelName = (own: string, used: string) => (own === used ? own : `${own} (not in the table: ${used}'s curve, transferred)`);
import { causalPairs } from '../model/shapes.js';
import { formatBytes, formatFlops, formatPercent, formatSeconds } from './format.js';
import { layeredTerms } from './explain-layered.js';
import { explainLocals } from './explain-context.js';
import { inputTerms } from './explain-inputs.js';
import { LABEL, VARIANT_UNIT, bw, bytes, capacityFormula, choiceTerms, int, mega, rate, reserveFormula, sec, type ExplainTerm } from './explain-terms.js';

export type { ExplainTerm } from './explain-terms.js';

const HEADINGS: Record<ExplainTerm['phase'], string> = {
  layout: 'Layout',
  inputs: 'Inputs',
  prefill: 'Prefill',
  decode: 'Decode',
  memory: 'Memory',
  choice: 'Choice',
};

/**
 * Every term of the model with its value for this run, in the order a reader
 * needs to recompute TTFT, TTIT and memory by hand (README "How the model
 * works"). Values are SI numbers taken from the result itself: per-layer values
 * are the breakdown divided by the layers, ring values come from the ring
 * timing, so the totals add up exactly to what the report shows.
 */
export function explainTerms(r: EstimateResult): ExplainTerm[] {
  const groups = layerGroups(r.model);
  // Every layer alike (dense GQA): the per-layer formulas below hold with L layers.
  const uniform = groups.length === 1 && groups[0]!.attention === 'full' && !groups[0]!.moe && !usesMla(r.model);
  if (!uniform) return layeredTerms(r);
  const x = explainLocals(r);
  const {
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
    cpL,
    cpPeerBw,
    newPerRank,
    shard,
    gemmRoofline,
    pg,
    gemmParams,
    lmHeadFormula,
    attnDtype,
    k,
    table,
    allReduce,
  } = x;
  const terms: ExplainTerm[] = [];
  const add = (phase: ExplainTerm['phase'], term: string, value: number, unit: string, formula: string) => {
    // Never hand a NaN or an Infinity to JSON (it would print null): such a term is left out.
    if (Number.isFinite(value)) terms.push({ phase, term, formula, value, unit });
  };
  // Layout
  add(
    'layout',
    'GPUs',
    lo.gpus,
    'GPUs',
    lo.gpus === lo.nodes * lo.gpusPerNode ? `nodes × GPUs per node = ${lo.nodes} × ${lo.gpusPerNode}` : `--gpus, on ${lo.nodes} node(s) of ${lo.gpusPerNode}`,
  );
  add('layout', 'TP', tp, 'GPUs', tp > 1 ? `TP group on ${describeGroupLinks(lo.groups.tp, c)}` : 'no tensor parallelism');
  add('layout', 'CP', N, 'ranks', N > 1 ? `GPUs / TP = ${lo.gpus} / ${tp}, ring over ${cpL.name}` : 'GPUs / TP = 1: no ring');
  add('layout', 'DCP', lo.dcp, 'GPUs', lo.dcp > 1 ? 'decode KV sharded over this many GPUs of a TP group' : 'no decode context parallelism');
  add('layout', 'Q heads per GPU', lo.qHeadsPerGpu, 'heads', `H/TP = ${m.attentionHeads}/${tp}`);
  add('layout', 'KV heads per GPU', lo.kvHeadsPerGpu, 'heads', `max(1, K/TP) = max(1, ${m.kvHeads}/${tp})`);
  add('layout', 'KV replication', lo.kvReplication, 'x', tp > m.kvHeads ? `TP/K = ${tp}/${m.kvHeads}` : 'TP ≤ K: 1');
  add('layout', 'new tokens per CP rank', newPerRank, 'tokens', N > 1 ? `2·⌈T/2N⌉ = ${shard}` : 'T (CP1)');

  const { fAttn } = inputTerms(r, add, x);

  // Prefill: per layer, then the breakdown (L times the per-layer terms), TTFT, FLOPs, MFU
  const p = r.prefill;
  const pb = p.breakdown;
  const ring = p.ring;
  const tokens = B * newPerRank;
  add('prefill', 'variant', p.variant === 'pass-q' ? 1 : 0, VARIANT_UNIT, r.prefill.variant === r.fasterVariant ? 'the faster of the two' : '--variant');
  add('prefill', 'GEMM per layer', pb.gemmSec / L, 's', `${gemmRoofline}, ${gemmParams}, tokens = B·2⌈T/2N⌉ = ${int(tokens)}`);
  const pairs = causalPairs(T, P);
  add('prefill', 'causal pairs', B * pairs, 'pairs', `B·(T·P + T(T+1)/2) = ${B}·(${int(T)}·${int(P)} + ${int(T)}·${int(T + 1)}/2)`);
  const attnPeak = attnDtype === 'fp8' ? (c.gpu.fp8FlopsPerSec ?? bf16) : bf16;
  add(
    'prefill',
    'attention per ring step',
    pb.attentionSec / (L * N),
    's',
    `pairs·4·d·(H/TP) / N² / (${attnDtype.toUpperCase()} peak·f_attn) = ${int(B * pairs)}·4·${m.headDim}·${lo.qHeadsPerGpu} / ${N}² / (${rate(attnPeak)}·${fAttn.toPrecision(3)})`,
  );
  add(
    'prefill',
    'merge per layer',
    pb.mergeSec / L,
    's',
    N > 1
      ? `(N−1)·3·tokens·(H/TP)·(d+1)·4 B / (HBM·η_hbm) = ${N - 1}·3·${int(tokens)}·${lo.qHeadsPerGpu}·${m.headDim + 1}·4 B / (${bw(hbmBw)}·${k.hbmFraction})`
      : 'CP1: no partial outputs to merge',
  );
  if (N > 1) {
    const msg =
      p.variant === 'pass-kv'
        ? `B·(⌈P/N⌉ + 2⌈T/2N⌉)·2·(K/TP)·d·e_kv = ${B}·(${int(Math.ceil(P / N))} + ${int(newPerRank)})·2·${lo.kvHeadsPerGpu}·${m.headDim}·${eKv}`
        : `B·2⌈T/2N⌉·(H/TP)·d·2 = ${B}·${int(newPerRank)}·${lo.qHeadsPerGpu}·${m.headDim}·2`;
    add('prefill', 'ring message', ring.messageBytes, 'B', `${LABEL[p.variant]}: ${msg}`);
    add(
      'prefill',
      'ring step SendRecv',
      ring.stepSendRecvSec,
      's',
      `latency + message / (peer BW·η) = ${sec(ring.sendRecv?.latencySec ?? 0)} (NCCL ${ring.sendRecv?.protocol ?? 'Simple'} p2p on ${cpL.name}) + ${bytes(ring.messageBytes)} / (${bw(cpPeerBw)}·${cpL.sendRecvEfficiency})`,
    );
    add(
      'prefill',
      'ring step compute',
      ring.stepComputeSec,
      's',
      p.variant === 'pass-kv'
        ? 'attention per ring step + merge per layer / (N−1) + attention kernel fixed cost'
        : 'attention per ring step + attention kernel fixed cost',
    );
    add(
      'prefill',
      'exposed SendRecv per layer',
      ring.exposedSec,
      's',
      `(N−1)·max(0, SendRecv − step compute) = ${N - 1}·max(0, ${sec(ring.stepSendRecvSec)} − ${sec(ring.stepComputeSec)})`,
    );
    if (p.variant === 'pass-q') {
      add(
        'prefill',
        'All2All per layer',
        ring.allToAllSec,
        's',
        `every peer posted at once: latency + setup + (N−1)·tokens·(H/TP)·(d+1)·2 B / (BW·η_a2a) = ${N - 1}·${int(tokens)}·${lo.qHeadsPerGpu}·${m.headDim + 1}·2 B over ${cpL.name}, setup ${sec(c.engine.allToAllSetupSec)}`,
      );
    }
  }
  add('prefill', 'TP AllReduce per layer', pb.tpCommSec / L, 's', tp > 1 ? allReduce(tokens, p.tpAllReduce) : 'TP1: no AllReduce');
  add('prefill', 'GEMMs', pb.gemmSec, 's', `L·GEMM per layer = ${L}·${sec(pb.gemmSec / L)}`);
  add('prefill', 'attention', pb.attentionSec, 's', `L·N·attention per ring step = ${L}·${N}·${sec(pb.attentionSec / (L * N))}`);
  add('prefill', 'merge', pb.mergeSec, 's', `L·merge per layer = ${L}·${sec(pb.mergeSec / L)}`);
  add('prefill', 'TP AllReduce', pb.tpCommSec, 's', `L·TP AllReduce per layer = ${L}·${sec(pb.tpCommSec / L)}`);
  add(
    'prefill',
    'CP comm exposed',
    pb.cpCommExposedSec,
    's',
    N > 1 ? `L·(exposed SendRecv + All2All) per layer = ${L}·(${sec(ring.exposedSec)} + ${sec(ring.allToAllSec)})` : 'CP1: no ring',
  );
  add('prefill', 'EP All2All', pb.epCommSec, 's', 'dense FFNs: no expert parallelism');
  add('prefill', 'LM head', pb.lmHeadSec, 's', lmHeadFormula(`B (${B})`));
  add(
    'prefill',
    'engine overhead',
    pb.overheadSec,
    's',
    `serialUsPerContextToken·B·(P+T) + L·prefillLayerUs = ${sec(c.engine.serialSecPerContextToken)}·${B}·${int(w.contextTokens)} + ${L}·${sec(c.engine.prefillLayerSec)}`,
  );
  add('prefill', 'TTFT', p.ttftSec, 's', 'GEMMs + attention + merge + TP AllReduce + CP comm exposed + EP All2All + LM head + engine overhead');
  const f = p.flops;
  add(
    'prefill',
    'useful FLOPs',
    f.total,
    'FLOP',
    `GEMM BF16 + GEMM FP8 + GEMM 4-bit + attention = ${formatFlops(f.gemmBf16)} + ${formatFlops(f.gemmFp8)} + ${formatFlops(f.gemmFp4)} + ${formatFlops(f.attention)}`,
  );
  add('prefill', 'MFU', p.mfu, 'fraction', `(each FLOP at the peak of the dtype it computes in) / (TTFT·GPUs), over ${lo.gpus} GPUs`);

  // Decode
  const d = r.decode;
  const db = d.breakdown;
  const local = d.paddedBatch / N;
  const ctxHere = Math.ceil(Math.ceil(w.contextTokens / N) / lo.dcp);
  const decodeKv = ((N > 1 ? local : B) * ctxHere * kvBytesPerTokenPerGpu(m, lo, precision.kvDtype)) / L;
  add('decode', 'padded batch', d.paddedBatch, 'sequences', N > 1 ? `⌈B/N⌉·N = ⌈${B}/${N}⌉·${N}` : 'B (CP1: no padding)');
  add('decode', 'GEMM per layer', db.gemmSec / L, 's', `${gemmRoofline}, ${gemmParams}, tokens = padded batch / N = ${int(local)}`);
  add(
    'decode',
    'attention kernel',
    r.decode.ring.kernelSec,
    's',
    `max(fixed + KV bytes / (HBM·f_decode), q·n·4·d·(H/TP)·DCP / (peak·f_attn)), q = ${N > 1 ? 'padded batch / N' : 'B'} = ${int(N > 1 ? local : B)} queries, n = ⌈⌈ctx/N⌉/DCP⌉ = ${int(ctxHere)} tokens: ` +
      `${bytes(decodeKv)} read in ${sec(decodeAttentionSec(c, precision.kvDtype, decodeKv))} (${kernelName(c.engine.decodeAttention, familyUsed(c, 'decodeAttention', precision.kvDtype))} decode kernel, ${table}; fixed cost ${c.engine.attentionKernelSec === null ? "the table's" : `the engine's attentionKernelUs`})`,
  );
  add(
    'decode',
    'attention per layer',
    db.attentionSec / L,
    's',
    N > 1 ? `N kernels, one per visiting query chunk = ${N}·${sec(r.decode.ring.kernelSec)}` : 'one kernel',
  );
  add('decode', 'TP AllReduce per layer', db.tpCommSec / L, 's', tp > 1 ? allReduce(local, d.tpAllReduce) : 'TP1: no AllReduce');
  if (N > 1) {
    const dr = r.decode.ring;
    add(
      'decode',
      'CP ring pass-Q per layer',
      db.cpCommSec / L,
      's',
      `(N−1)·Q SendRecv + All2All (posted once) + merge + cpDecodeLayerUs = ${N - 1}·${sec(dr.qSendRecvSec)} + ${sec(dr.allToAllSec)} + ${sec(dr.mergeSec)} + ${sec(dr.fixedSec)}` +
        ` (Q SendRecv: NCCL ${dr.sendRecv?.protocol ?? 'LL'} p2p over ${cpL.name}, latency-bound)`,
    );
  }
  if (lo.dcp > 1) {
    add('decode', 'DCP per layer', db.dcpCommSec / L, 's', `AllGather of queries + ReduceScatter of partial outputs over ${lo.dcp} GPUs on ${c.scaleUp.name}`);
  }
  add('decode', 'GEMMs', db.gemmSec, 's', `L·GEMM per layer = ${L}·${sec(db.gemmSec / L)}`);
  add('decode', 'attention', db.attentionSec, 's', `L·attention per layer = ${L}·${sec(db.attentionSec / L)}`);
  add('decode', 'TP AllReduce', db.tpCommSec, 's', `L·TP AllReduce per layer = ${L}·${sec(db.tpCommSec / L)}`);
  add('decode', 'CP ring pass-Q', db.cpCommSec, 's', N > 1 ? `L·CP ring pass-Q per layer = ${L}·${sec(db.cpCommSec / L)}` : 'CP1: no ring');
  add('decode', 'DCP', db.dcpCommSec, 's', lo.dcp > 1 ? `L·DCP per layer = ${L}·${sec(db.dcpCommSec / L)}` : 'DCP1: no exchange');
  add('decode', 'EP All2All', db.epCommSec, 's', 'dense FFNs: no expert parallelism');
  add('decode', 'LM head', db.lmHeadSec, 's', lmHeadFormula(`(B/N) (${int(local)})`));
  add(
    'decode',
    'engine overhead',
    db.overheadSec,
    's',
    `L·decodeLayerUs + decodeStepUs = ${L}·${sec(c.engine.decodeLayerSec)} + ${sec(c.engine.decodeStepSec)}`,
  );
  add('decode', 'TTIT', d.ttitSec, 's', 'GEMMs + attention + TP AllReduce + CP ring pass-Q + DCP + EP All2All + LM head + engine overhead');
  add('decode', 'aggregate throughput', d.tokensPerSecondAggregate, 'tokens/s', `B / TTIT = ${B} / ${sec(d.ttitSec)}`);
  if (N > 1) add('decode', 'TTIT at CP1', r.decodeCp1.ttitSec, 's', `the same TP${tp} without CP${r.cp1Fits ? '' : ' (cannot hold this workload)'}`);

  // Memory
  const mem = r.memory;
  const g = mem.perGpu;
  const kvPerToken = kvBytesPerTokenPerGpu(m, lo, precision.kvDtype);
  const actPerToken = activationBytesPerToken(m, lo, precision);
  const eW = (x: Dtype) => BYTES_PER_ELEMENT[x];
  add(
    'memory',
    'weights',
    g.weightsBytes,
    'B',
    `L·(QKV/O·e + FFN·e + 2·D·2 B) + ${m.tiedEmbeddings ? '' : '2·'}V·D/TP·2 B + D·2 B = ` +
      `${L}·(${mega(pg.qo + pg.kv)}·${eW(dt.attention)} + ${mega(pg.ffn)}·${eW(dt.ffn)} + ${int(pg.norms)}·2) B + ${mega(((m.tiedEmbeddings ? 1 : 2) * m.vocabSize * m.hiddenSize) / tp)}·2 B + ${int(m.hiddenSize)}·2 B`,
  );
  add('memory', 'KV bytes per token per GPU', kvPerToken, 'B', `2·L·(K/TP)·d·e_kv = 2·${L}·${lo.kvHeadsPerGpu}·${m.headDim}·${eKv}`);
  add(
    'memory',
    'KV token slots per GPU',
    mem.tokensPerGpu,
    'tokens',
    lo.dcp > 1
      ? `⌈${N > 1 ? '2·⌈(P+T)/2N⌉' : '(P+T)'}/DCP⌉ = ⌈${N > 1 ? `2·⌈${int(w.contextTokens)}/${2 * N}⌉` : int(w.contextTokens)}/${lo.dcp}⌉`
      : N > 1
        ? `2·⌈(P+T)/2N⌉ = 2·⌈${int(w.contextTokens)}/${2 * N}⌉`
        : `P+T = ${int(w.contextTokens)}`,
  );
  add('memory', 'KV cache', g.kvCacheBytes, 'B', `B·slots·KV bytes per token per GPU = ${B}·${int(mem.tokensPerGpu)}·${bytes(kvPerToken)}`);
  const act = activationParts(m, lo, r.precision);
  add(
    'memory',
    'activation bytes per token',
    actPerToken,
    'B',
    `2·D·2 B + max(Q/K/V + FP32 partial output + 2 ring buffers, ${m.ffnMatrices}·F/TP·2 B) = ${bytes(act.residual)} + max(${bytes(act.attention)}, ${bytes(act.ffn)})`,
  );
  add('memory', 'activations', g.activationBytes, 'B', `B·2⌈T/2N⌉·activation bytes per token = ${B}·${int(newPerRank)}·${bytes(actPerToken)}`);
  add('memory', 'runtime reserve', g.reserveBytes, 'B', reserveFormula(c));
  add('memory', 'total', g.totalBytes, 'B', `weights + KV cache + activations + runtime reserve; ≤ capacity: ${mem.fits ? 'fits' : 'does not fit'}`);
  add('memory', 'capacity', g.capacityBytes, 'B', capacityFormula(c));
  add('memory', 'max context', mem.maxContextTokens, 'tokens', `bisection: largest full-prefill context with total ≤ capacity at batch ${B}`);
  add(
    'memory',
    'KV capacity per GPU',
    mem.kvCapacityTokensPerGpu,
    'tokens',
    `⌊(capacity − weights − reserve) / KV bytes per token per GPU⌋ = ⌊(${bytes(g.capacityBytes)} − ${bytes(g.weightsBytes)} − ${bytes(g.reserveBytes)}) / ${bytes(kvPerToken)}⌋`,
  );
  add('memory', 'max batch', mem.maxBatch, 'sequences', 'bisection: largest B with total ≤ capacity at this context');

  choiceTerms(r, add);
  return terms;
}

/** A term's value in human units. */
function formatValue(t: ExplainTerm): string {
  const v = t.value;
  switch (t.unit) {
    case 's':
      return formatSeconds(v);
    case 'B':
      return formatBytes(v);
    case 'FLOP':
      return formatFlops(v);
    case 'FLOP/s':
      return rate(v);
    case 'B/s':
      return bw(v);
    case 's/token':
      return `${formatSeconds(v)}/token`;
    case 'fraction':
      return formatPercent(v);
    case 'tokens/s':
      return `${v >= 100 ? int(v) : v.toPrecision(3)} tokens/s`;
    case 'x':
      return `${int(v)}x`;
    case VARIANT_UNIT:
      return v === 1 ? 'pass-Q' : 'pass-KV';
    default:
      return `${int(v)} ${Math.round(v) === 1 ? t.unit.replace(/s$/, '') : t.unit}`;
  }
}

/** The terms as text: a heading per phase, one aligned `name  value  = formula` line per term. No colour. */
export function explainToText(terms: ExplainTerm[]): string {
  const values = terms.map(formatValue);
  const nameWidth = Math.max(0, ...terms.map((t) => t.term.length));
  const valueWidth = Math.max(0, ...values.map((v) => v.length));
  const lines = ["Model terms for this run (per GPU, slowest CP rank; README 'How the model works')"];
  let phase: ExplainTerm['phase'] | undefined;
  terms.forEach((t, i) => {
    if (t.phase !== phase) {
      phase = t.phase;
      lines.push(HEADINGS[phase]);
    }
    lines.push(`  ${t.term.padEnd(nameWidth)}  ${values[i]!.padStart(valueWidth)}  = ${t.formula}`);
  });
  return lines.join('\n') + '\n';
}
