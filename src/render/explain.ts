import { describeGroupLinks } from './collective-text.js';
import type { EstimateResult } from '../model/estimate.js';
import { kvBytesPerTokenPerGpu, kvPlacement } from '../model/kv-cache.js';
import { layerGroups, usesMla } from '../model/layers.js';
import { activationBytesPerToken, activationParts } from '../model/memory.js';
import { BYTES_PER_ELEMENT, type Dtype } from '../model/precision.js';

import { causalPairs } from '../model/shapes.js';
import { formatBytes, formatFlops, formatPercent, formatSeconds } from './format.js';
import { layeredTerms } from './explain-layered.js';
import { explainStyle, kvSlotsFormula, layoutCpTerms, prefillCpTerms } from './explain-cp.js';
import { decodeTerms } from './explain-decode.js';
import { explainLocals } from './explain-context.js';
import { inputTerms } from './explain-inputs.js';
import { VARIANT_UNIT, bw, bytes, capacityFormula, choiceTerms, int, mega, rate, reserveFormula, sec, type ExplainTerm } from './explain-terms.js';

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
  const { m, c, lo, w, precision, L, N, B, P, T, tp, dt, eKv, cpL, newPerRank, shard, gemmRoofline, pg, gemmParams, lmHeadFormula, allReduce } = x;
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
  add('layout', 'CP', N, 'ranks', N > 1 ? `GPUs / TP = ${lo.gpus} / ${tp}, ${lo.cpStyle ?? 'ring'} over ${cpL.name}` : 'GPUs / TP = 1: no ring');
  add('layout', 'DCP', lo.dcp, 'GPUs', lo.dcp > 1 ? 'decode KV sharded over this many GPUs of a TP group' : 'no decode context parallelism');
  add('layout', 'Q heads per GPU', lo.qHeadsPerGpu, 'heads', `H/TP = ${m.attentionHeads}/${tp}`);
  add('layout', 'KV heads per GPU', lo.kvHeadsPerGpu, 'heads', `max(1, K/TP) = max(1, ${m.kvHeads}/${tp})`);
  add('layout', 'KV replication', lo.kvReplication, 'x', tp > m.kvHeads ? `TP/K = ${tp}/${m.kvHeads}` : 'TP ≤ K: 1');
  layoutCpTerms(r, add, x);
  add('layout', 'new tokens per CP rank', newPerRank, 'tokens', N > 1 ? `2·⌈T/2N⌉ = ${shard}` : 'T (CP1)');

  const { fAttn } = inputTerms(r, add, x);

  // Prefill: per layer, then the breakdown (L times the per-layer terms), TTFT, FLOPs, MFU
  const p = r.prefill;
  const pb = p.breakdown;
  const tokens = B * newPerRank;
  const style = explainStyle(r);
  if (style === 'ring') {
    add('prefill', 'variant', p.variant === 'pass-q' ? 1 : 0, VARIANT_UNIT, r.prefill.variant === r.fasterVariant ? 'the faster of the two' : '--variant');
  }
  add('prefill', 'GEMM per layer', pb.gemmSec / L, 's', `${gemmRoofline}, ${gemmParams}, tokens = B·2⌈T/2N⌉ = ${int(tokens)}`);
  const pairs = causalPairs(T, P);
  add('prefill', 'causal pairs', B * pairs, 'pairs', `B·(T·P + T(T+1)/2) = ${B}·(${int(T)}·${int(P)} + ${int(T)}·${int(T + 1)}/2)`);
  const cp = prefillCpTerms(r, add, x, fAttn);
  add('prefill', 'TP AllReduce per layer', pb.tpCommSec / L, 's', tp > 1 ? allReduce(tokens, p.tpAllReduce) : 'TP1: no AllReduce');
  add('prefill', 'GEMMs', pb.gemmSec, 's', `L·GEMM per layer = ${L}·${sec(pb.gemmSec / L)}`);
  add('prefill', 'attention', pb.attentionSec, 's', cp.attention);
  add('prefill', 'merge', pb.mergeSec, 's', `L·merge per layer = ${L}·${sec(pb.mergeSec / L)}`);
  add('prefill', 'TP AllReduce', pb.tpCommSec, 's', `L·TP AllReduce per layer = ${L}·${sec(pb.tpCommSec / L)}`);
  add('prefill', 'CP comm exposed', pb.cpCommExposedSec, 's', cp.cpComm);
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

  decodeTerms(r, add, x);

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
  add('memory', 'KV token slots per GPU', mem.tokensPerGpu, 'tokens', kvSlotsFormula(r, x));
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
  const place = kvPlacement(lo);
  add(
    'memory',
    'KV capacity of a context',
    mem.kvCapacityContextTokens,
    'tokens',
    style === 'all-gather' && N > 1
      ? `KV capacity per GPU: all-gather keeps the whole context on every rank = ${int(mem.kvCapacityTokensPerGpu)}`
      : `KV capacity per GPU·R·S·DCP (ring ranges, head shards) = ${int(mem.kvCapacityTokensPerGpu)}·${place.ring}·${place.headShards}·${lo.dcp}`,
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
