import { gatheredAttentionLayer } from '../model/attention/cp-styles.js';
import type { EstimateResult } from '../model/estimate.js';
import { kvPlacement, tokensPerCpRank } from '../model/kv-cache.js';
import { PARTIAL_OUTPUT_BYTES } from '../model/precision.js';
import { causalPairs } from '../model/shapes.js';
import type { CpStyle } from '../model/types.js';
import { describeGroupLinks } from './collective-text.js';
import type { explainLocals } from './explain-context.js';
import { LABEL, bw, bytes, int, rate, sec, type Add } from './explain-terms.js';

type Locals = ReturnType<typeof explainLocals>;

/** The CP style the explanation describes: ring without CP (one rank is every style's no-CP estimate). */
export const explainStyle = (r: EstimateResult): CpStyle => (r.layout.cp > 1 ? (r.layout.cpStyle ?? 'ring') : 'ring');

/**
 * Keys one prefill attention kernel loops over (the length f_attn is read at): one ring step's KV shard
 * ⌈P/N⌉ + 2⌈T/2N⌉; all-gather and Ulysses the whole context P+T; hierarchical one domain's ⌈P/r⌉ + u·2⌈T/2N⌉.
 */
export function attentionKeyLength(r: EstimateResult, x: Locals): { keys: number; what: string } {
  const { P, T, N, newPerRank, lo } = x;
  const style = explainStyle(r);
  if (style === 'all-gather' || style === 'ulysses') return { keys: P + T, what: 'the whole context' };
  if (style === 'hierarchical') {
    const u = lo.groups.cp.perDomain;
    return { keys: Math.ceil(P / (N / u)) + u * newPerRank, what: "one ring step's KV: one domain's tokens" };
  }
  return { keys: Math.ceil(P / N) + newPerRank, what: "one ring step's KV shard" };
}

/** The decode CP term's name per style (its total and, with " per layer", per layer). */
export const DECODE_CP_TERM: Record<CpStyle, string> = {
  ring: 'CP ring pass-Q',
  'all-gather': 'CP at decode',
  ulysses: 'CP Ulysses All2All',
  hierarchical: 'CP All2All + ring pass-Q',
};

/**
 * The prefill's attention and CP terms per layer, each style its own (ring: the ring's steps, messages and
 * All2All; all-gather: the K, V all-gather; Ulysses: its two All2Alls; hierarchical: both, the ring across
 * domains), and the formulas of the two totals (attention, CP comm exposed).
 */
export function prefillCpTerms(r: EstimateResult, add: Add, x: Locals, fAttn: number): { attention: string; cpComm: string } {
  const { m, c, lo, L, N, B, P, T, eKv, bf16, hbmBw, cpL, cpPeerBw, newPerRank, k, attnDtype } = x;
  const p = r.prefill;
  const pb = p.breakdown;
  const tokens = B * newPerRank;
  const pairs = B * causalPairs(T, P);
  const attnPeak = attnDtype === 'fp8' ? (c.gpu.fp8FlopsPerSec ?? bf16) : bf16;
  const peak = `(${attnDtype.toUpperCase()} peak·f_attn)`;
  const peakValues = `(${rate(attnPeak)}·${fAttn.toPrecision(3)})`;
  const mergeFormula = (steps: number) =>
    `(${steps === N ? 'N' : 'r'}−1)·3·tokens·(H/TP)·(d+1)·4 B / (HBM·η_hbm) = ${steps - 1}·3·${int(tokens)}·${lo.qHeadsPerGpu}·${m.headDim + 1}·4 B / (${bw(hbmBw)}·${k.hbmFraction})`;
  const kvMessage = `B·(⌈P/N⌉ + 2⌈T/2N⌉)·2·(K/TP)·d·e_kv = ${B}·(${int(Math.ceil(P / N))} + ${int(newPerRank)})·2·${lo.kvHeadsPerGpu}·${m.headDim}·${eKv}`;
  const style = explainStyle(r);
  if (style === 'ring') {
    const ring = p.ring;
    add(
      'prefill',
      'attention per ring step',
      pb.attentionSec / (L * N),
      's',
      `pairs·4·d·(H/TP) / N² / ${peak} = ${int(pairs)}·4·${m.headDim}·${lo.qHeadsPerGpu} / ${N}² / ${peakValues}`,
    );
    add('prefill', 'merge per layer', pb.mergeSec / L, 's', N > 1 ? mergeFormula(N) : 'CP1: no partial outputs to merge');
    if (N > 1) {
      const msg = p.variant === 'pass-kv' ? kvMessage : `B·2⌈T/2N⌉·(H/TP)·d·2 = ${B}·${int(newPerRank)}·${lo.qHeadsPerGpu}·${m.headDim}·2`;
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
    return {
      attention: `L·N·attention per ring step = ${L}·${N}·${sec(pb.attentionSec / (L * N))}`,
      cpComm: N > 1 ? `L·(exposed SendRecv + All2All) per layer = ${L}·(${sec(ring.exposedSec)} + ${sec(ring.allToAllSec)})` : 'CP1: no ring',
    };
  }

  // A chunked prefill: the communication terms per layer are the last chunk's (as the ring's step terms), the
  // totals the sum over the chunks.
  const { chunks, chunkTokens } = p;
  const chunked = chunks > 1 && chunkTokens !== null;
  const cP = chunked ? P + (chunks - 1) * chunkTokens : P;
  const cT = chunked ? T - (chunks - 1) * chunkTokens : T;
  const cNew = tokensPerCpRank(cT, N);
  const last = chunked ? ` (the last of ${chunks} chunks: T = ${int(cT)} new tokens after P = ${int(cP)})` : '';
  const summed = (perLayer: string) => (chunked ? `Σ over the ${chunks} chunks of L·${perLayer}` : `L·${perLayer}`);
  const mergeBytes = 3 * B * cNew * lo.qHeadsPerGpu * (m.headDim + 1) * PARTIAL_OUTPUT_BYTES;
  const cost = gatheredAttentionLayer(m, c, lo, r.precision, { ...r.workload, cachedTokens: cP, contextTokens: cP + cT }, 0, mergeBytes);
  const cpGroup = `CP${N} on ${describeGroupLinks(lo.groups.cp, c)}`;
  const noMerge = 'no ring: one kernel over the whole context per layer, no partial outputs to merge';
  const ulyssesTerms = (where: string) => {
    add(
      'prefill',
      'Ulysses Q, K, V sent',
      cost.qkvBytes,
      'B',
      `B·2⌈T/2N⌉·((H/TP)·d·2 + 2·(K/TP)·d·e_kv) = ${B}·${int(cNew)}·(${lo.qHeadsPerGpu}·${m.headDim}·2 + 2·${lo.kvHeadsPerGpu}·${m.headDim}·${eKv})${last}`,
    );
    add('prefill', 'Ulysses output returned', cost.outBytes, 'B', `B·2⌈T/2N⌉·(H/TP)·d·2 = ${B}·${int(cNew)}·${lo.qHeadsPerGpu}·${m.headDim}·2${last}`);
    add(
      'prefill',
      'Ulysses All2Alls per layer',
      cost.allToAllSec,
      's',
      `All2All(Q, K, V sent) + All2All(output returned) over ${where}, as \`cp-plan collective all-to-all\`; nothing overlaps them${last}`,
    );
  };
  if (style === 'all-gather' || style === 'ulysses') {
    add(
      'prefill',
      'attention per layer',
      pb.attentionSec / L,
      's',
      `pairs·4·d·(H/TP) / N / ${peak} = ${int(pairs)}·4·${m.headDim}·${lo.qHeadsPerGpu} / ${N} / ${peakValues}`,
    );
    add('prefill', 'merge per layer', pb.mergeSec / L, 's', noMerge);
    if (style === 'all-gather') {
      add(
        'prefill',
        'K, V gathered',
        cost.allGatherBytes,
        'B',
        `B·T·2·(K/TP)·d·e_kv = ${B}·${int(cT)}·2·${lo.kvHeadsPerGpu}·${m.headDim}·${eKv} (the new tokens'; the cached prefix is whole on every rank${chunked ? `; the last of ${chunks} chunks` : ''})`,
      );
      add(
        'prefill',
        'K, V all-gather per layer',
        cost.allGatherSec,
        's',
        `All-Gather of K, V gathered over ${cpGroup}, as \`cp-plan collective all-gather\`; nothing overlaps it${last}`,
      );
    } else {
      ulyssesTerms(cpGroup);
    }
    const commTerm = style === 'all-gather' ? 'K, V all-gather per layer' : 'Ulysses All2Alls per layer';
    return {
      attention: `L·attention per layer = ${L}·${sec(pb.attentionSec / L)}`,
      cpComm: `${summed(commTerm)} = ${L}·${sec(pb.cpCommExposedSec / L)}`,
    };
  }

  // Hierarchical: Ulysses over the u ranks of a domain, a ring pass-KV over the r domains.
  const u = lo.groups.cp.perDomain;
  const steps = N / u;
  add('prefill', 'Ulysses ranks per domain u', u, 'ranks', `CP ranks in one NVLink domain; ring across r = N/u = ${N}/${u} = ${steps} domains`);
  add(
    'prefill',
    'attention per ring step',
    pb.attentionSec / (L * steps),
    's',
    `pairs·4·d·(H/TP) / N / r / ${peak} = ${int(pairs)}·4·${m.headDim}·${lo.qHeadsPerGpu} / ${N} / ${steps} / ${peakValues}`,
  );
  add('prefill', 'merge per layer', pb.mergeSec / L, 's', steps > 1 ? mergeFormula(steps) : 'one domain: no ring, no partial outputs to merge');
  if (u > 1) ulyssesTerms(`the ${u} ranks of a domain on ${c.scaleUp.name}`);
  const ring = cost.ring;
  if (ring) {
    add(
      'prefill',
      'ring message',
      ring.messageBytes,
      'B',
      `pass-KV across domains, one rank's KV shard: B·(⌈P/N⌉ + 2⌈T/2N⌉)·2·(K/TP)·d·e_kv = ${B}·(${int(Math.ceil(cP / N))} + ${int(cNew)})·2·${lo.kvHeadsPerGpu}·${m.headDim}·${eKv}${last}`,
    );
    add(
      'prefill',
      'ring step SendRecv',
      ring.stepSendRecvSec,
      's',
      `latency + message / (peer BW·η) = ${sec(ring.sendRecv.latencySec)} (NCCL ${ring.sendRecv.protocol} p2p on ${c.scaleOut.name}) + ${bytes(ring.messageBytes)} / (${bw(cpPeerBw)}·${cpL.sendRecvEfficiency})`,
    );
    add('prefill', 'ring step compute', ring.stepComputeSec, 's', 'attention per ring step + merge per layer / (r−1)');
    add(
      'prefill',
      'exposed SendRecv per layer',
      ring.exposedSec,
      's',
      `(r−1)·max(0, SendRecv − step compute) = ${steps - 1}·max(0, ${sec(ring.stepSendRecvSec)} − ${sec(ring.stepComputeSec)})${last}`,
    );
  }
  return {
    attention: `L·r·attention per ring step = ${L}·${steps}·${sec(pb.attentionSec / (L * steps))}`,
    cpComm: chunked
      ? `${summed('(Ulysses All2Alls + exposed SendRecv) per layer')} = ${L}·${sec(pb.cpCommExposedSec / L)}`
      : `L·(Ulysses All2Alls + exposed SendRecv) per layer = ${L}·(${sec(cost.allToAllSec)} + ${sec(ring?.exposedSec ?? 0)})`,
  };
}

/** The layout's KV placement over CP (beyond TP's replication): what each CP rank holds of a sequence's KV. */
export function layoutCpTerms(r: EstimateResult, add: Add, x: Locals): void {
  const style = explainStyle(r);
  if (style === 'ring') return;
  const place = kvPlacement(x.lo);
  const formula =
    style === 'all-gather'
      ? `all-gather: every one of the N = ${x.N} ranks holds the whole context`
      : `u/S, u = ${place.ulysses} Ulysses ranks sharing S = min(u, K/TP) = min(${place.ulysses}, ${x.lo.kvHeadsPerGpu}) head shards`;
  add('layout', 'CP KV replicas', place.replicas, 'x', formula);
}

/** The KV token slots per GPU in symbols and numbers, as kvTokensPerGpu counts them for the style. */
export function kvSlotsFormula(r: EstimateResult, x: Locals): string {
  const { N, lo, w } = x;
  const style = explainStyle(r);
  const ctx = int(w.contextTokens);
  const dcp = lo.dcp;
  if (style === 'all-gather')
    return dcp > 1 ? `⌈(P+T)/DCP⌉ (all-gather: the whole context) = ⌈${ctx}/${dcp}⌉` : `P+T (all-gather: the whole context on every rank) = ${ctx}`;
  const shard = N > 1 ? '2·⌈(P+T)/2N⌉' : '(P+T)';
  const shardNumbers = N > 1 ? `2·⌈${ctx}/${2 * N}⌉` : ctx;
  const slots = dcp > 1 ? `⌈${shard}/DCP⌉` : shard;
  const numbers = dcp > 1 ? `⌈${shardNumbers}/${dcp}⌉` : shardNumbers;
  const replicas = kvPlacement(lo).replicas;
  if (style === 'ring' || replicas === 1) return N > 1 || dcp > 1 ? `${slots} = ${numbers}` : `P+T = ${ctx}`;
  return `${slots}·u/S (head shards replicated) = ${numbers}·${replicas}`;
}
