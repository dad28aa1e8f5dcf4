import { describeCollective, describeGroupLinks, groupLinkName } from './collective-text.js';
import type { EstimateResult } from '../model/estimate.js';
import { kvBytesPerTokenPerGpu, kvCacheBytesPerSequence, kvElementsPerTokenPerGpu, tokensPerCpRank } from '../model/kv-cache.js';
import { layerGroups, windowTokens } from '../model/layers.js';
import { activationBytesPerToken } from '../model/memory.js';
import { kvBytesPerElement } from '../model/precision.js';
import { activeParams, totalParams } from '../model/shapes.js';
import { bytes, capacityFormula, choiceTerms, int, reserveFormula, sec, type Add, type ExplainTerm } from './explain-terms.js';
import { DECODE_CP_TERM, explainStyle } from './explain-cp.js';
import type { CpStyle } from '../model/types.js';

const KIND: Record<string, string> = { full: 'full-attention', sliding: 'sliding-window', chunked: 'chunked-attention', linear: 'linear-attention' };

/** What one layer of a kind costs, in words: the formula behind its per-layer value. */
/** A full-attention layer's prefill attention and CP terms under the styles other than the ring. */
const STYLE_FULL_LAYER: Record<Exclude<CpStyle, 'ring'>, { attention: string; cp: string }> = {
  'all-gather': {
    attention: 'causal pairs·FLOPs per pair·(H/TP)/H / N / (BF16 peak·η_attn), one kernel over the whole context',
    cp: "All-Gather of the new tokens' K, V (B·T·KV elements per token per GPU·e) over the CP group; nothing overlaps it",
  },
  ulysses: {
    attention: 'causal pairs·FLOPs per pair·(H/TP)/H / N / (BF16 peak·η_attn), one kernel over the whole context at 1/N of the heads',
    cp: 'All2All of Q, K, V to the ranks owning their heads + All2All of the output back; nothing overlaps them',
  },
  hierarchical: {
    attention: 'causal pairs·FLOPs per pair·(H/TP)/H / N / (BF16 peak·η_attn) per step, r = N/u steps (one per NVLink domain)',
    cp: 'the two Ulysses All2Alls inside a domain + (r−1)·max(0, SendRecv − step compute) across domains',
  },
};

/** The decode CP term of a layered model, per style. */
const DECODE_CP_LAYERED: Record<CpStyle, string> = {
  ring: 'full layers only: exposed Q SendRecv + All2All + merge + sync',
  'all-gather': 'all-gather: the whole KV on every rank, a sequence decodes on one TP group: no CP exchange',
  ulysses: 'full layers only: All2All of queries to the head owners and of outputs back (none when heads are replicated)',
  hierarchical: 'full layers only: Ulysses All2Alls inside a domain + ring pass-Q across domains (Q SendRecv, All2All, merge, sync)',
};

const PER_LAYER_FORMULA: Record<string, Record<string, string>> = {
  gemm: {
    dense: 'calls·t_fix + max(2·params·tokens / (peak·f_gemm), params·e / (HBM·b_gemm)) over the attention projections and the dense FFN',
    moe: 'the same per GEMM; the routed experts as one grouped GEMM at the tokens per touched expert, reading the experts the tokens touch, E·(1 − (1 − k/E)^tokens); shared experts and router over all tokens',
  },
  attention: {
    full: 'causal pairs·FLOPs per pair·(H/TP)/H / N / (BF16 peak·η_attn) per step, N steps',
    sliding: 'pairs Σ min(x, W) over the new positions x, ·4·d·(H/TP) / N / (BF16 peak·η_attn)',
    chunked: 'pairs Σ ((x−1) mod C)+1 over the new positions x, ·4·d·(H/TP) / N / (BF16 peak·η_attn)',
    linear: 'tokens·heads/TP·(4·dk·dv + (dk+dv)·block) / (BF16 peak·η_attn): linear in the context',
  },
  cp: {
    full: '(N−1)·max(0, SendRecv − step compute) (+ pass-Q All2All): the whole ring',
    sliding: 'max(0, halo SendRecv − local attention): only 2·min(W, ctx) tokens of KV from the neighbouring ranks',
    chunked: 'max(0, halo SendRecv − local attention): only 2·min(C, ctx) tokens of KV from the neighbouring ranks',
    linear: "(N−1) SendRecvs of the FP32 state of this GPU's heads, one after another",
  },
};

/**
 * Terms of a model whose layers differ (sliding or chunked windows, linear
 * attention, MLA, MoE): per layer of each layer group, then the sums. The
 * breakdown is Σ over groups of count × per-layer value.
 */
export function layeredTerms(r: EstimateResult): ExplainTerm[] {
  const { model: m, cluster: c, layout: lo, workload: w, precision } = r;
  const terms: ExplainTerm[] = [];
  const add: Add = (phase, term, value, unit, formula) => {
    if (Number.isFinite(value)) terms.push({ phase, term, formula, value, unit });
  };
  const N = lo.cp;
  const T = w.contextTokens - w.cachedTokens;
  const eKv = kvBytesPerElement(precision.kvDtype);
  const mla = m.attention?.mla;

  add(
    'layout',
    'GPUs',
    lo.gpus,
    'GPUs',
    lo.gpus === lo.nodes * lo.gpusPerNode ? `nodes × GPUs per node = ${lo.nodes} × ${lo.gpusPerNode}` : `--gpus, on ${lo.nodes} node(s) of ${lo.gpusPerNode}`,
  );
  add('layout', 'TP', lo.tp, 'GPUs', lo.tp > 1 ? `AllReduce on ${describeGroupLinks(lo.groups.tp, c)}` : 'no tensor parallelism');
  const style = explainStyle(r);
  add('layout', 'CP', N, 'ranks', N > 1 ? `GPUs / TP = ${lo.gpus} / ${lo.tp}, ${style} over ${groupLinkName(lo.groups.cp, c)}` : 'no ring');
  add('layout', 'DCP', lo.dcp, 'GPUs', lo.dcp > 1 ? 'decode KV sharded inside the TP group' : 'no decode context parallelism');
  if (m.moe)
    add(
      'layout',
      'EP',
      lo.ep,
      'GPUs',
      lo.ep > 1
        ? `experts / EP = ${m.moe.experts / lo.ep} whole experts per GPU; All2All on ${describeGroupLinks(lo.groups.ep, c)}`
        : 'no expert parallelism: every expert sliced over TP',
    );
  add('layout', 'Q heads per GPU', lo.qHeadsPerGpu, 'heads', `H/TP = ${m.attentionHeads}/${lo.tp}`);
  add(
    'layout',
    'cache elements per token per GPU (full layer)',
    kvElementsPerTokenPerGpu(m, lo, 'full'),
    'elements',
    mla
      ? `MLA latent kvLoraRank + qkRopeHeadDim = ${mla.kvLoraRank} + ${mla.qkRopeHeadDim}, shared by all heads, whole on every TP rank`
      : `2·max(1, K/TP)·d = 2·${lo.kvHeadsPerGpu}·${m.headDim}`,
  );

  for (const g of layerGroups(m)) {
    const window = windowTokens(m, g.attention);
    add(
      'inputs',
      `layers: ${KIND[g.attention]}, ${g.moe ? 'MoE' : 'dense'} FFN`,
      g.count,
      'layers',
      `model ${m.name}: attention.pattern${window === null ? '' : ` (window ${int(window)} tokens)`}${g.moe ? ', moe' : ''}`,
    );
  }
  add('inputs', 'parameters', totalParams(m), 'params', 'weights held (every expert)');
  if (m.moe)
    add('inputs', 'active parameters', activeParams(m), 'params', `per token: topK ${m.moe.topK} of ${m.moe.experts} experts + ${m.moe.sharedExperts} shared`);
  add('inputs', 'new tokens T', T, 'tokens', `context − cached = ${int(w.contextTokens)} − ${int(w.cachedTokens)}`);
  add('inputs', 'batch B', w.batch, 'sequences', '--batch');

  const p = r.prefill;
  for (const l of p.layers) {
    const name = `${KIND[l.attention]}${l.moe ? ' MoE' : ''} layer`;
    add('prefill', `${name}: GEMMs`, l.gemmSec, 's', PER_LAYER_FORMULA.gemm![l.moe ? 'moe' : 'dense']!);
    const styled = l.attention === 'full' && style !== 'ring' ? STYLE_FULL_LAYER[style] : null;
    add('prefill', `${name}: attention`, l.attentionSec, 's', styled?.attention ?? PER_LAYER_FORMULA.attention![l.attention]!);
    if (l.mergeSec > 0)
      add('prefill', `${name}: merge`, l.mergeSec, 's', `(${style === 'hierarchical' ? 'r' : 'N'}−1)·3·tokens·(H/TP)·(d_v+1)·4 B / (HBM·η_hbm)`);
    if (N > 1) add('prefill', `${name}: CP comm exposed`, l.cpCommExposedSec, 's', styled?.cp ?? PER_LAYER_FORMULA.cp![l.attention]!);
    if (l.tpCommSec > 0) add('prefill', `${name}: TP AllReduce`, l.tpCommSec, 's', `2 AllReduces of tokens·D·2 B, each ${describeCollective(p.tpAllReduce)}`);
    if (l.epCommSec > 0) add('prefill', `${name}: EP All2All`, l.epCommSec, 's', '2·All2All of tokens/TP·topK·D·2 B·(EP−1)/EP (dispatch and combine)');
  }
  const pb = p.breakdown;
  const sum = (key: 'gemmSec' | 'attentionSec' | 'mergeSec' | 'tpCommSec' | 'cpCommExposedSec' | 'epCommSec') =>
    p.layers.map((l) => `${l.count}·${sec(l[key])}`).join(' + ');
  add('prefill', 'GEMMs', pb.gemmSec, 's', `Σ count·per layer = ${sum('gemmSec')}`);
  add('prefill', 'attention', pb.attentionSec, 's', `Σ count·per layer = ${sum('attentionSec')}`);
  add('prefill', 'merge', pb.mergeSec, 's', `Σ count·per layer = ${sum('mergeSec')}`);
  add('prefill', 'TP AllReduce', pb.tpCommSec, 's', `Σ count·per layer = ${sum('tpCommSec')}`);
  add('prefill', 'CP comm exposed', pb.cpCommExposedSec, 's', `Σ count·per layer = ${sum('cpCommExposedSec')}`);
  add('prefill', 'EP All2All', pb.epCommSec, 's', `Σ count·per layer = ${sum('epCommSec')}`);
  add('prefill', 'LM head', pb.lmHeadSec, 's', 'max(2·V·D/TP·B / BF16 peak, V·D/TP·2 B / HBM) / f_gemm(B)');
  add(
    'prefill',
    'engine overhead',
    pb.overheadSec,
    's',
    `serialUsPerContextToken·B·(P+T) + L·prefillLayerUs = ${sec(c.engine.serialSecPerContextToken)}·${w.batch}·${int(w.contextTokens)} + ${m.layers}·${sec(c.engine.prefillLayerSec)} (engine ${c.engine.name})`,
  );
  add('prefill', 'TTFT', p.ttftSec, 's', 'GEMMs + attention + merge + TP AllReduce + CP comm exposed + EP All2All + LM head + engine overhead');
  add('prefill', 'useful FLOPs', p.flops.total, 'FLOP', 'active GEMM parameters·2·tokens + attention (pairs by layer kind; linear layers per token)');

  const d = r.decode;
  const db = d.breakdown;
  add('decode', 'GEMMs', db.gemmSec, 's', 'Σ layers: weight reads of the attention projections and the FFN (MoE: only the experts the batch touches)');
  add(
    'decode',
    'attention',
    db.attentionSec,
    's',
    mla
      ? 'full layers: max(FLOPs, reads) over the 576-element latent per token (absorbed MLA: 2·H·(2·kvLoraRank + rope) FLOPs per pair); bounded and linear layers locally'
      : "full layers: max(FLOPs, KV reads) of this GPU's shard; bounded layers: their window; linear layers: their state",
  );
  add('decode', 'TP AllReduce', db.tpCommSec, 's', "L·2 AllReduces of the step's tokens");
  add('decode', DECODE_CP_TERM[style], db.cpCommSec, 's', N > 1 ? DECODE_CP_LAYERED[style] : 'CP1: no ring');
  add('decode', 'DCP', db.dcpCommSec, 's', lo.dcp > 1 ? 'query gather + output reduce-scatter per softmax layer' : 'DCP1: no exchange');
  add('decode', 'EP All2All', db.epCommSec, 's', lo.ep > 1 ? "MoE layers: dispatch and combine of the step's tokens" : 'EP1: none');
  add('decode', 'LM head', db.lmHeadSec, 's', 'V·D/TP weights read once per step');
  add(
    'decode',
    'engine overhead',
    db.overheadSec,
    's',
    `L·decodeLayerUs + decodeStepUs = ${m.layers}·${sec(c.engine.decodeLayerSec)} + ${sec(c.engine.decodeStepSec)} (engine ${c.engine.name})`,
  );
  add('decode', 'TTIT', d.ttitSec, 's', `GEMMs + attention + TP AllReduce + ${DECODE_CP_TERM[style]} + DCP + EP All2All + LM head + engine overhead`);

  const mem = r.memory;
  const g = mem.perGpu;
  add(
    'memory',
    'weights',
    g.weightsBytes,
    'B',
    'Σ layers: attention projections/TP + FFN (dense/TP; MoE: every expert, /TP or whole experts/EP) + embeddings/TP',
  );
  add(
    'memory',
    'KV bytes per token per GPU (full layers)',
    kvBytesPerTokenPerGpu(m, lo, precision.kvDtype),
    'B',
    `full layers·cache elements per token per GPU·e_kv (e_kv = ${eKv})`,
  );
  add('memory', 'KV cache', g.kvCacheBytes, 'B', 'B·(full layers·slots + bounded layers·min(slots, window) )·cache elements·e_kv + linear layers·state/TP');
  add(
    'memory',
    'KV cache per sequence',
    kvCacheBytesPerSequence(m, precision.kvDtype, w.contextTokens),
    'B',
    "all layers, each GPU's share once: full layers·context + bounded layers·min(context, window), ·cache elements·e_kv; + linear states",
  );
  add(
    'memory',
    'activations',
    g.activationBytes,
    'B',
    `B·2⌈T/2N⌉·per-token peak = ${w.batch}·${int(tokensPerCpRank(T, N))}·${bytes(activationBytesPerToken(m, lo, precision))}`,
  );
  add('memory', 'runtime reserve', g.reserveBytes, 'B', reserveFormula(c));
  add('memory', 'total', g.totalBytes, 'B', `weights + KV cache + activations + runtime reserve; ≤ capacity: ${mem.fits ? 'fits' : 'does not fit'}`);
  add('memory', 'capacity', g.capacityBytes, 'B', capacityFormula(c));
  add('memory', 'max context', mem.maxContextTokens, 'tokens', `bisection: largest full-prefill context with total ≤ capacity at batch ${w.batch}`);
  choiceTerms(r, add);
  return terms;
}
