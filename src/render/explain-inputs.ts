import type { EstimateResult } from '../model/estimate.js';
import { nicBytesPerSecPerGpu } from '../model/hardware/topology.js';
import { computeDtype, gemmPeakFlopsPerSec } from '../model/precision.js';
import { attentionFraction, familyUsed, gemmBandwidthFraction, gemmComputeFraction, gemmFixedSec } from '../model/hardware/kernels.js';
import { attentionKeyLength } from './explain-cp.js';
import type { ExplainLocals } from './explain-context.js';
import { bw, bytes, int, mega, type ExplainTerm } from './explain-terms.js';

/** The engine's kernel, and the family whose curve stands for it when the table lacks it (a transfer). */
const kernelName = (own: string, used: string) => (own === used ? own : `${own} (not in the table: ${used}'s curve, transferred)`);

type Add = (phase: ExplainTerm['phase'], term: string, value: number, unit: string, formula: string) => void;

/** The explanation's inputs: the constants every term below uses, each with the preset key or source it comes from. Pure. */
export function inputTerms(r: EstimateResult, add: Add, x: ExplainLocals) {
  const { m, c, lo, w, L, N, B, P, T, tp, dt, bf16, hbmBw, cpNet, cpL, cpKey, cpPeerBw, newPerRank, pg, attnDtype, k, table, scaled, engineTerm } = x;
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
  const { keys: blockLength, what } = attentionKeyLength(r, x);
  const fAttn = attentionFraction(c, attnDtype, blockLength);
  add(
    'inputs',
    'f_attn',
    fAttn,
    'fraction',
    `${kernelName(c.engine.prefillAttention, familyUsed(c, 'attention', attnDtype))} ${attnDtype} prefill attention over ${int(blockLength)} keys (${what}): fraction of peak, ${table}${scaled(c.scales.attentionScale)}`,
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
  return { fAttn };
}
