import { nicBytesPerSecPerGpu } from '../model/hardware/topology.js';
import { ringHop } from '../model/prefill.js';
import type { CollectiveCost } from '../model/hardware/collectives.js';
import { describeCollective, describeGroupLinks } from './collective-text.js';
import type { EstimateResult } from '../model/estimate.js';
import { kvBytesPerTokenPerGpu, tokensPerCpRank } from '../model/kv-cache.js';
import { layerGroups, usesMla } from '../model/layers.js';
import { activationBytesPerToken, activationParts } from '../model/memory.js';
import { BYTES_PER_ELEMENT, computeDtype, gemmPeakFlopsPerSec, kvBytesPerElement, weightDtypes, type Dtype } from '../model/precision.js';
import { attentionFraction, decodeAttentionSec, familyUsed, gemmBandwidthFraction, gemmComputeFraction, gemmFixedSec } from '../model/hardware/kernels.js';

/** The engine's kernel, and the family whose curve stands for it when the table lacks it (a transfer). */
const kernelName = (own: string, used: string) => (own === used ? own : `${own} (not in the table: ${used}'s curve, transferred)`);
import { attentionParamsPerGpu, causalPairs, ffnParamsPerGpu } from '../model/shapes.js';
import { formatBytes, formatFlops, formatPercent, formatSeconds } from './format.js';
import { layeredTerms } from './explain-layered.js';
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
  const { model: m, cluster: c, layout: lo, workload: w, precision } = r;
  const terms: ExplainTerm[] = [];
  const add = (phase: ExplainTerm['phase'], term: string, value: number, unit: string, formula: string) => {
    // Never hand a NaN or an Infinity to JSON (it would print null): such a term is left out.
    if (Number.isFinite(value)) terms.push({ phase, term, formula, value, unit });
  };
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

  // Inputs
  add('inputs', 'new tokens T', T, 'tokens', `context − cached = ${int(w.contextTokens)} − ${int(P)}`);
  add('inputs', 'cached tokens P', P, 'tokens', '--cached, --miss-rate or --hit-rate');
  add('inputs', 'batch B', B, 'sequences', '--batch');
  const dims: [string, number, string, string][] = [
    ['layers L', L, 'layers', 'layers'],
    ['hidden D', m.hiddenSize, 'elements', 'hiddenSize'],
    ['query heads H', m.attentionHeads, 'heads', 'attentionHeads'],
    ['KV heads K', m.kvHeads, 'heads', 'kvHeads'],
    ['head dim d', m.headDim, 'elements', 'headDim'],
    ['FFN size F', m.ffnSize, 'elements', 'ffnSize'],
    ['vocabulary V', m.vocabSize, 'tokens', 'vocabSize'],
  ];
  for (const [term, value, unit, key] of dims) add('inputs', term, value, unit, `model ${m.name}: ${key}`);
  const cl = `cluster ${c.name}:`;
  const gp = `gpu ${c.gpu.preset}:`;
  add('inputs', 'BF16 peak', bf16, 'FLOP/s', `${gp} bf16DenseTflops`);
  add(
    'inputs',
    'FP8 peak',
    gemmPeakFlopsPerSec(c.gpu, 'fp8'),
    'FLOP/s',
    c.gpu.fp8FlopsPerSec === null ? `${gp} no FP8 tensor cores, so the BF16 rate` : `${gp} fp8DenseTflops`,
  );
  if (c.gpu.fp4FlopsPerSec !== null) add('inputs', 'FP4 peak', c.gpu.fp4FlopsPerSec, 'FLOP/s', `${gp} fp4DenseTflops`);
  const ffnCompute = computeDtype(c.gpu, dt.ffn);
  const ffnGemmWeights = pg.ffn / 2;
  add(
    'inputs',
    'f_gemm (prefill)',
    gemmComputeFraction(c, ffnCompute, B * newPerRank, ffnGemmWeights),
    'fraction',
    `FFN GEMM (${mega(ffnGemmWeights)} weights) at ${int(B * newPerRank)} tokens in ${ffnCompute}: fraction of its dense peak, ${table}${scaled(c.scales.gemmScale)}`,
  );
  add(
    'inputs',
    'f_gemm (decode)',
    gemmComputeFraction(c, ffnCompute, Math.max(1, Math.ceil(B / N)), ffnGemmWeights),
    'fraction',
    `FFN GEMM at ${int(Math.max(1, Math.ceil(B / N)))} tokens in ${ffnCompute} where compute-bound: fraction of its dense peak, ${table}${scaled(c.scales.gemmScale)}`,
  );
  add(
    'inputs',
    'b_gemm',
    gemmBandwidthFraction(c, ffnCompute),
    'fraction',
    `GEMM weight reads in ${ffnCompute}: fraction of HBM bandwidth, ${table}${scaled(c.scales.gemmBandwidthScale)}`,
  );
  add('inputs', 't_fix', gemmFixedSec(c, ffnCompute), 's', `fixed cost of one ${ffnCompute} GEMM call (launch, activation quantisation), ${table}`);
  const blockLength = Math.ceil(P / N) + newPerRank;
  const fAttn = attentionFraction(c, attnDtype, blockLength);
  add(
    'inputs',
    'f_attn',
    fAttn,
    'fraction',
    `${kernelName(c.engine.prefillAttention, familyUsed(c, 'attention', attnDtype))} ${attnDtype} prefill attention over ${int(blockLength)} keys (one ring step's KV shard): fraction of peak, ${table}${scaled(c.scales.attentionScale)}`,
  );
  add('inputs', 'η_hbm', k.hbmFraction, 'fraction', `${table}: streaming reads over the datasheet HBM bandwidth`);
  add('inputs', 'HBM capacity', c.gpu.hbmBytes, 'B', `${gp} hbmCapacityGB`);
  add('inputs', 'HBM bandwidth', hbmBw, 'B/s', `${gp} hbmBandwidthTBps`);
  if (tp > 1 || N > 1) {
    add('inputs', 'NVLink bandwidth per GPU', c.scaleUp.bytesPerSec, 'B/s', `${cl} scaleUp.bandwidthPerDirectionGBps (${c.scaleUp.name})`);
    add('inputs', 'NVLink bus η', c.scaleUp.busEfficiency, 'fraction', `${cl} efficiency.scaleUpBusFractionOfPeak`);
    if (c.scaleUp.nvlsBusBytesPerSec !== null) add('inputs', 'NVLS bus bandwidth', c.scaleUp.nvlsBusBytesPerSec, 'B/s', `${cl} scaleUp.nvlsBusBandwidthGBps`);
    add('inputs', 'NVLink extra latency', c.scaleUp.extraLatencySec, 's', `${cl} scaleUp.extraLatencyUs (per call, beyond ${c.collectives.displayName})`);
    add(
      'inputs',
      'NVLink all-reduce fill',
      c.scaleUp.pipelineFillSec,
      's',
      `${cl} scaleUp.pipelineFillUs: an all-reduce of b bytes adds fill·b / (b + ${bytes(c.scaleUp.pipelineFillHalfBytes)}) (scaleUp.pipelineFillHalfBytes)`,
    );
    if (lo.groups.tp.domains > 1 || lo.groups.cp.domains > 1) {
      add(
        'inputs',
        'network bandwidth per GPU',
        nicBytesPerSecPerGpu(c),
        'B/s',
        `${cl} scaleOut.bandwidthPerNicGBps·nicsPerNode/gpusPerNode = ${bw(c.scaleOut.bytesPerSec)}·${c.nicsPerNode}/${c.gpusPerNode}`,
      );
      add('inputs', 'network bus η', c.scaleOut.busEfficiency, 'fraction', `${cl} efficiency.scaleOutBusFractionOfPeak`);
      add(
        'inputs',
        'network extra latency',
        c.scaleOut.extraLatencySec,
        's',
        `${cl} scaleOut.extraLatencyUs (per call that crosses the network, added to the NVLink extra)`,
      );
      add(
        'inputs',
        'network all-reduce fill',
        c.scaleOut.pipelineFillSec,
        's',
        `${cl} scaleOut.pipelineFillUs, half reached at ${bytes(c.scaleOut.pipelineFillHalfBytes)} (scaleOut.pipelineFillHalfBytes); replaces the NVLink fill across domains`,
      );
    }
  }
  if (N > 1) {
    add(
      'inputs',
      'CP link peer bandwidth',
      cpPeerBw,
      'B/s',
      cpNet ? `${cl} one GPU's share of the NICs (${cpL.name})` : `${cl} scaleUp peer bandwidth (${cpL.name})`,
    );
    add('inputs', 'CP link SendRecv η', cpL.sendRecvEfficiency, 'fraction', `${cl} efficiency.${cpKey}SendRecvFractionOfPeak`);
    add('inputs', 'CP link All2All η', cpL.allToAllEfficiency, 'fraction', `${cl} efficiency.${cpKey}AllToAllFractionOfPeak`);
    add('inputs', 'All2All setup', c.engine.allToAllSetupSec, 's', engineTerm('allToAllSetupUs'));
  }
  add('inputs', 'serial per context token', c.engine.serialSecPerContextToken, 's/token', engineTerm('serialUsPerContextToken'));
  add('inputs', 'prefill cost per layer', c.engine.prefillLayerSec, 's', engineTerm('prefillLayerUs'));
  add('inputs', 'decode fixed per layer', c.engine.decodeLayerSec, 's', engineTerm('decodeLayerUs'));
  add('inputs', 'decode fixed per step', c.engine.decodeStepSec, 's', engineTerm('decodeStepUs'));
  if (c.engine.attentionKernelSec !== null) add('inputs', 'attention kernel fixed cost', c.engine.attentionKernelSec, 's', engineTerm('attentionKernelUs'));
  if (N > 1) add('inputs', 'CP decode fixed per layer', c.engine.cpDecodeLayerSec, 's', engineTerm('cpDecodeLayerUs'));
  if (c.engine.tpCommOverlapFraction > 0)
    add('inputs', 'TP all-reduce overlap', c.engine.tpCommOverlapFraction, 'fraction', engineTerm('tpCommOverlapFraction'));
  add('inputs', 'usable HBM share', c.engine.gpuMemoryUtilization, 'fraction', engineTerm('gpuMemoryUtilization'));
  add('inputs', 'runtime reserve', c.engine.runtimeReserveBytes, 'B', engineTerm('runtimeReserveGB'));

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
