import type { ClusterHardware as ClusterSpec, LinkSpec, NcclAlgorithm, Protocol, ProtocolTriple } from '../types.js';
import { nicBytesPerSecPerGpu, singleDomainGroup, type CommGroup } from './topology.js';

/**
 * Collectives as NCCL runs them. For every call the candidate algorithms
 * (ring, tree, NVLS, NVLS tree, hierarchical) and protocols (LL, LL128,
 * Simple) are priced with NCCL's own tuning model (src/graph/tuning.cc:
 * a base latency, a latency per step inside the NVLink domain and another
 * per step across the network, protocol bandwidth factors and ceilings) on
 * the cluster's achieved link bandwidths, and the fastest is taken, as NCCL's
 * tuner does. Every function is pure and returns seconds.
 *
 * Sizes follow nccl-tests: all-reduce moves a buffer of `bytes` on every rank;
 * all-gather's `bytes` is the gathered output, reduce-scatter's the input;
 * all-to-all's the bytes each rank sends in total, bytes / ranks to every
 * rank including itself (nccl-tests alltoall.cu); sendrecv's one message.
 */
export type CollectiveOp = 'all-reduce' | 'all-gather' | 'reduce-scatter' | 'all-to-all' | 'sendrecv';
export const COLLECTIVE_OPS: readonly CollectiveOp[] = ['all-reduce', 'all-gather', 'reduce-scatter', 'all-to-all', 'sendrecv'];

export type Algorithm = 'ring' | 'tree' | 'nvls' | 'nvls-tree' | 'hierarchical' | 'hierarchical-sharp' | 'p2p' | 'grouped-p2p' | 'none';

export interface CollectiveCost {
  sec: number;
  algorithm: Algorithm;
  protocol: Protocol;
  /** The latency part of sec (what a zero-byte call would cost). */
  latencySec: number;
  /** For hierarchical algorithms: the phases (reduce-scatter, across domains, all-gather). */
  phases?: CollectiveCost[];
}

const NONE: CollectiveCost = { sec: 0, algorithm: 'none', protocol: 'Simple', latencySec: 0 };
const P: Record<Protocol, 0 | 1 | 2> = { LL: 0, LL128: 1, Simple: 2 };
const at = (t: ProtocolTriple, p: Protocol) => t[P[p]];
const log2i = (x: number) => Math.floor(Math.log2(Math.max(1, x)));

/** nccl-tests' bus bandwidth factor: busbw = algbw x factor (the bytes each rank's link must carry per byte of buffer). */
export function busBandwidthFactor(op: CollectiveOp, ranks: number): number {
  if (ranks <= 1) return 1;
  if (op === 'all-reduce') return (2 * (ranks - 1)) / ranks;
  if (op === 'sendrecv') return 1;
  return (ranks - 1) / ranks;
}

/**
 * The fastest way NCCL would run `op` of `bytes` over `group`. `algorithms`
 * restricts the choice, as NCCL_ALGO does (all-reduce, all-gather and
 * reduce-scatter); null when none of them applies to this op and group.
 */
export function collective(op: CollectiveOp, bytes: number, group: CommGroup, cluster: ClusterSpec): CollectiveCost;
export function collective(op: CollectiveOp, bytes: number, group: CommGroup, cluster: ClusterSpec, algorithms: readonly Algorithm[]): CollectiveCost | null;
export function collective(op: CollectiveOp, bytes: number, group: CommGroup, cluster: ClusterSpec, algorithms?: readonly Algorithm[]): CollectiveCost | null {
  if (group.size <= 1 && op !== 'sendrecv') return NONE;
  if (algorithms !== undefined) return priced(op, bytes, group, cluster, algorithms);
  // The planner prices the same call for many layouts and both ring variants: remember the answers per
  // cluster (the function is pure; the memo is bounded).
  let memo = MEMO.get(cluster);
  if (!memo || memo.size > MEMO_LIMIT) MEMO.set(cluster, (memo = new Map()));
  const key = `${op}|${bytes}|${group.size}|${group.perDomain}|${group.domains}`;
  let cost = memo.get(key);
  if (cost === undefined) memo.set(key, (cost = priced(op, bytes, group, cluster)!));
  return cost;
}

const MEMO = new WeakMap<ClusterSpec, Map<string, CollectiveCost>>();
const MEMO_LIMIT = 50_000;

function priced(op: CollectiveOp, bytes: number, group: CommGroup, cluster: ClusterSpec, algorithms?: readonly Algorithm[]): CollectiveCost | null {
  const allowed = (c: CollectiveCost) => algorithms === undefined || algorithms.includes(c.algorithm);
  switch (op) {
    case 'all-reduce':
      return fastestOrNull(allReduceCandidates(bytes, group, cluster, algorithms?.includes('hierarchical') ?? false).filter(allowed));
    case 'all-gather':
    case 'reduce-scatter':
      return fastestOrNull(ringCandidates(op, bytes, group, cluster).filter(allowed));
    case 'all-to-all':
      return allToAll(bytes / group.size, group, cluster);
    case 'sendrecv':
      return sendRecv(bytes, group.domains > 1 ? 'net' : 'intra', cluster);
  }
}

function fastest(candidates: CollectiveCost[]): CollectiveCost {
  return candidates.reduce((best, c) => (c.sec < best.sec ? c : best));
}

function fastestOrNull(candidates: CollectiveCost[]): CollectiveCost | null {
  return candidates.length ? fastest(candidates) : null;
}

/** What a tier of the interconnect gives a rank of `group` for bulk collectives, per direction, before protocol factors. */
function ringBusBytesPerSec(group: CommGroup, cluster: ClusterSpec): number {
  const intra = cluster.scaleUp.bytesPerSec * cluster.scaleUp.busEfficiency;
  if (group.domains <= 1) return intra;
  // A multi-domain ring runs one channel per NIC: each domain's members leave it on their own NICs at once,
  // so a rank's share of the crossing is its domain's whole NIC bandwidth (rail-optimised clusters).
  const inter = group.perDomain * nicBytesPerSecPerGpu(cluster) * cluster.scaleOut.busEfficiency;
  return Math.min(intra, inter);
}

function llMaxBusBytesPerSec(group: CommGroup, cluster: ClusterSpec): number {
  const ll = cluster.collectives.llMaxBusBytesPerSec;
  if (group.domains <= 1) {
    const gen = cluster.gpu.generation;
    // RCCL's tuner is not modelled: AMD GPUs take Hopper's row (transferred). NCCL puts Ada (SM89) in its
    // Ampere row (tuning.cc compCapIndex: SM80-89).
    return ll.singleNode[gen === 'cdna3' || gen === 'cdna4' ? 'hopper' : gen === 'ada' ? 'ampere' : gen];
  }
  return (group.domains <= 2 ? ll.twoNodes : ll.moreNodes)[cluster.hostCpu];
}

/** Steps inside an NVLink domain are NVLink steps unless the fabric is PCIe (NCCL's intraHw). */
function intraHopSec(cluster: ClusterSpec, algo: NcclAlgorithm, p: Protocol): number {
  return at(cluster.collectives.hopLatencySec[cluster.scaleUp.linkClass][algo], p);
}

function ringCandidates(op: Exclude<CollectiveOp, 'all-to-all' | 'sendrecv'>, bytes: number, group: CommGroup, cluster: ClusterSpec): CollectiveCost[] {
  const lib = cluster.collectives;
  const n = group.size;
  const m = group.domains;
  const allReduce = op === 'all-reduce';
  const nsteps = allReduce ? 2 * (n - 1) : n - 1;
  const nInter = m <= 1 ? 0 : allReduce ? 2 * (m - 1) : m - 1;
  const bus = ringBusBytesPerSec(group, cluster);
  const out: CollectiveCost[] = [];
  for (const p of ['LL', 'LL128', 'Simple'] as const) {
    let intraLat = intraHopSec(cluster, 'ring', p);
    if (m > 1) {
      // Inter-node rings post every step through the network proxy.
      const overhead = lib.netOverheadSec[cluster.hostCpu] * (p === 'Simple' ? lib.netOverheadSimpleFactor : 1);
      intraLat = Math.max(intraLat, overhead);
    }
    // With one rank per domain the steps are fully exposed: NCCL uses the tree's network latency.
    const interLat = at(lib.hopLatencySec.net[group.perDomain === 1 ? 'tree' : 'ring'], p);
    let lat = at(lib.baseLatencySec.ring, p) + (nsteps - nInter) * intraLat + nInter * interLat;
    if (allReduce && m > 1 && p === 'Simple') lat *= lib.ringPlateauLatencyFactor;
    lat += measuredLatencySec(group, cluster);
    const busBw =
      p === 'LL'
        ? Math.min(llMaxBusBytesPerSec(group, cluster), bus * lib.protocolBandwidthFactor.ringLl)
        : p === 'LL128'
          ? bus * lib.protocolBandwidthFactor.ringLl128
          : bus;
    const algBw = (busBw * n) / nsteps;
    // The pipeline fill was measured on all-reduce (nccl-tests); all-gather and reduce-scatter keep latency + bandwidth.
    out.push({ sec: lat + bytes / algBw + (allReduce ? fillSec(bytes, group, cluster) : 0), algorithm: 'ring', protocol: p, latencySec: lat });
  }
  return out;
}

function treeCandidates(bytes: number, group: CommGroup, cluster: ClusterSpec): CollectiveCost[] {
  const lib = cluster.collectives;
  const f = lib.protocolBandwidthFactor;
  const m = group.domains;
  const perDomain = Math.floor(group.size / m);
  const base = ringBusBytesPerSec(group, cluster) * f.treeAllReduce;
  const out: CollectiveCost[] = [];
  for (const p of ['LL', 'LL128', 'Simple'] as const) {
    const intraLat = intraHopSec(cluster, 'tree', p);
    const interLat = at(lib.hopLatencySec.net.tree, p);
    const lat = at(lib.baseLatencySec.tree, p) + 2 * ((perDomain - 1) * intraLat + log2i(m) * interLat) + measuredLatencySec(group, cluster);
    const busBw =
      p === 'LL'
        ? Math.min(base * f.treeLl, llMaxBusBytesPerSec(group, cluster))
        : p === 'LL128'
          ? base * (m <= 1 ? f.treeLl128SingleNode : f.treeLl128MultiNode)
          : base;
    const correction = treeCorrection(lib.treeCorrectionFactor[p], bytes);
    // A tree moves every byte up and down: algorithm bandwidth is half the bus bandwidth.
    const algBw = busBw * 0.5 * correction;
    out.push({ sec: lat + bytes / algBw + fillSec(bytes, group, cluster), algorithm: 'tree', protocol: p, latencySec: lat });
  }
  return out;
}

/**
 * NCCL's tree correction factor for a size, interpolated linearly in log2(size) between its power-of-two
 * entries: NCCL applies entries 0..22 (64 B .. 256 MiB) and none (1) from 512 MiB. NCCL steps from entry
 * to entry, which can price a larger message below a smaller one; the interpolation keeps time growing.
 */
const TREE_CORRECTION_ENTRIES = 23;
function treeCorrection(table: readonly number[], bytes: number): number {
  const x = Math.log2(Math.max(64, bytes) / 64);
  const i = Math.floor(x);
  if (i >= TREE_CORRECTION_ENTRIES) return 1;
  const at = (k: number) => (k >= TREE_CORRECTION_ENTRIES ? 1 : table[k]!);
  const f = x - i;
  return at(i) * (1 - f) + at(i + 1) * f;
}

/**
 * The all-reduce algorithms NCCL would weigh. The plain hierarchical all-reduce (a ring or tree across
 * domains between NVLink phases) is not one of NCCL's algorithms, so it is priced only when asked for
 * (`withHierarchical`, cp-plan collective --algorithm hierarchical); with in-network reduction it is
 * NCCL's CollNet, a real candidate.
 */
function allReduceCandidates(bytes: number, group: CommGroup, cluster: ClusterSpec, withHierarchical = false): CollectiveCost[] {
  const out = [...ringCandidates('all-reduce', bytes, group, cluster), ...treeCandidates(bytes, group, cluster)];
  const lib = cluster.collectives;
  const nvls = cluster.scaleUp.nvlsBusBytesPerSec;
  const n = group.size;
  const m = group.domains;
  if (nvls !== null && group.perDomain >= 2) {
    const ratio = n / (2 * (n - 1));
    if (m <= 1) {
      // NVLink SHARP: the switch reduces; Simple protocol only.
      const lat = at(lib.hopLatencySec.nvlink.nvls, 'Simple') + measuredLatencySec(group, cluster);
      out.push({ sec: lat + bytes / (nvls * ratio) + fillSec(bytes, group, cluster), algorithm: 'nvls', protocol: 'Simple', latencySec: lat });
    } else {
      // NVLS inside each domain, a tree across domains over every NIC (2 domains: both directions of the tree at once).
      const inter = group.perDomain * nicBytesPerSecPerGpu(cluster) * cluster.scaleOut.busEfficiency * (m <= 2 ? 2 : 1);
      const lat =
        at(lib.hopLatencySec.nvlink.nvlsTree, 'Simple') + 2 * log2i(m) * at(lib.hopLatencySec.net.nvlsTree, 'Simple') + measuredLatencySec(group, cluster);
      out.push({
        sec: lat + bytes / (Math.min(nvls, inter) * ratio) + fillSec(bytes, group, cluster),
        algorithm: 'nvls-tree',
        protocol: 'Simple',
        latencySec: lat,
      });
    }
  }
  if (m > 1 && group.perDomain > 1 && (cluster.scaleOut.inNetworkReduction || withHierarchical)) out.push(hierarchicalAllReduce(bytes, group, cluster));
  return out;
}

/**
 * Reduce-scatter inside each NVLink domain, an all-reduce of each rank's
 * 1/perDomain share across domains (every rank on its own NIC at once: one
 * rank per domain per rail), then an all-gather inside each domain. With
 * in-network reduction (InfiniBand SHARP) the switches reduce the middle phase
 * and NCCL pipelines the three phases chunk by chunk (CollNet): the latencies
 * add and the slowest phase's bandwidth sets the rest. Without it the phases
 * run one after the other.
 */
function hierarchicalAllReduce(bytes: number, group: CommGroup, cluster: ClusterSpec): CollectiveCost {
  const g = group.perDomain;
  const intra = singleDomainGroup(g);
  const rs = fastest(ringCandidates('reduce-scatter', bytes, intra, cluster));
  const ag = fastest(ringCandidates('all-gather', bytes, intra, cluster));
  const share = bytes / g;
  const rails: CommGroup = { size: group.domains, perDomain: 1, domains: group.domains };
  let across: CollectiveCost;
  if (cluster.scaleOut.inNetworkReduction) {
    const lat = at(cluster.collectives.hopLatencySec.net.collnetDirect, 'Simple') + measuredLatencySec(rails, cluster);
    // Each byte leaves the rank once and comes back reduced once: the NIC's bandwidth, not 2(n-1)/n of it.
    const sec = lat + share / (nicBytesPerSecPerGpu(cluster) * cluster.scaleOut.busEfficiency) + fillSec(share, rails, cluster);
    across = { sec, algorithm: 'hierarchical-sharp', protocol: 'Simple', latencySec: lat };
  } else {
    across = fastest([...ringCandidates('all-reduce', share, rails, cluster), ...treeCandidates(share, rails, cluster)]);
  }
  const phases = [rs, across, ag];
  const latencySec = rs.latencySec + across.latencySec + ag.latencySec;
  const sharp = cluster.scaleOut.inNetworkReduction;
  const sec = sharp ? latencySec + Math.max(...phases.map((c) => c.sec - c.latencySec)) : rs.sec + across.sec + ag.sec;
  return { sec, algorithm: sharp ? 'hierarchical-sharp' : 'hierarchical', protocol: across.protocol, latencySec, phases };
}

/** The tier whose measured deviations a call pays: the network as soon as the group leaves an NVLink domain. */
function tierLink(group: CommGroup, cluster: ClusterSpec): LinkSpec {
  return group.domains > 1 ? cluster.scaleOut : cluster.scaleUp;
}

/**
 * What was measured beyond NCCL's model for one call on this group. A call that leaves the NVLink domain
 * pays what a call inside it pays (launch, proxy start-up: scaleUp's extra) and what crossing the
 * network adds on top (scaleOut's extra), so the network's extra is fitted as the difference.
 */
function measuredLatencySec(group: CommGroup, cluster: ClusterSpec): number {
  return extraLatencySec(group.domains > 1 ? 'net' : 'intra', cluster);
}

function extraLatencySec(where: 'intra' | 'net', cluster: ClusterSpec): number {
  return cluster.scaleUp.extraLatencySec + (where === 'net' ? cluster.scaleOut.extraLatencySec : 0);
}

/**
 * The pipeline fill of an all-reduce of `bytes`: it grows with the message until NCCL's chunks reach
 * their largest size. Measured on all-reduce only (nccl-tests), so only all-reduce pays it.
 */
function fillOf(bytes: number, link: LinkSpec): number {
  return link.pipelineFillSec > 0 ? (link.pipelineFillSec * bytes) / (bytes + link.pipelineFillHalfBytes) : 0;
}

function fillSec(bytes: number, group: CommGroup, cluster: ClusterSpec): number {
  return fillOf(bytes, tierLink(group, cluster));
}

function tier(where: 'intra' | 'net', cluster: ClusterSpec): { link: LinkSpec; peerBytesPerSec: number } {
  return where === 'net'
    ? { link: cluster.scaleOut, peerBytesPerSec: nicBytesPerSecPerGpu(cluster) }
    : { link: cluster.scaleUp, peerBytesPerSec: cluster.scaleUp.peerBytesPerSec };
}

/** The latency of one point-to-point step on a tier at protocol p (one ring step of NCCL's model, plus what was measured beyond it). */
function p2pLatencySec(where: 'intra' | 'net', p: Protocol, cluster: ClusterSpec): number {
  const lib = cluster.collectives;
  const link = where === 'net' ? cluster.scaleOut : cluster.scaleUp;
  return at(lib.baseLatencySec.ring, p) + at(lib.hopLatencySec[link.linkClass].ring, p) + extraLatencySec(where, cluster);
}

/**
 * NCCL sends a point-to-point message with LL up to 16 KiB (enqueue.cc NCCL_P2P_LL_THRESHOLD, compared with
 * each channel's part of the message; cp-plan compares the whole message, as a latency-bound message runs
 * on one channel) and with Simple above. An all-to-all to many peers can therefore get cheaper just above the threshold,
 * where LL's half-bandwidth lines stop: NCCL behaves so.
 */
function p2pProtocol(bytesPerPeer: number, cluster: ClusterSpec): Protocol {
  return bytesPerPeer <= cluster.collectives.p2pLlThresholdBytes ? 'LL' : 'Simple';
}

/** The bandwidth a bulk point-to-point message gets on a tier (Simple protocol): the paper's BW of one ring rank. */
export function sendRecvBytesPerSec(where: 'intra' | 'net', cluster: ClusterSpec): number {
  const { link, peerBytesPerSec } = tier(where, cluster);
  return peerBytesPerSec * link.sendRecvEfficiency;
}

/** One message to one peer: a CP ring step. `where` is the slowest hop of the ring. */
export function sendRecv(bytes: number, where: 'intra' | 'net', cluster: ClusterSpec): CollectiveCost {
  const { link, peerBytesPerSec } = tier(where, cluster);
  const p = p2pProtocol(bytes, cluster);
  const bw = peerBytesPerSec * link.sendRecvEfficiency * (p === 'LL' ? cluster.collectives.protocolBandwidthFactor.ringLl : 1);
  const lat = p2pLatencySec(where, p, cluster);
  return { sec: lat + bytes / bw, algorithm: 'p2p', protocol: p, latencySec: lat };
}

/**
 * All-to-all of `bytesPerPeer` to every other member: NCCL posts every peer's
 * send and receive at once (grouped point-to-point), so the latency is paid
 * once. The bytes to peers in the domain move over NVLink while those to the
 * other domains move over this GPU's share of the NICs, at the same time; on
 * each tier the flows together get the all-to-all bandwidth, and no single
 * flow more than a point-to-point message to one peer (NCCL gives each peer
 * only a few channels).
 */
export function allToAll(bytesPerPeer: number, group: CommGroup, cluster: ClusterSpec): CollectiveCost {
  if (group.size <= 1) return NONE;
  const inPeers = group.perDomain - 1;
  const outPeers = group.size - group.perDomain;
  const p = p2pProtocol(bytesPerPeer, cluster);
  const ll = p === 'LL' ? cluster.collectives.protocolBandwidthFactor.ringLl : 1;
  const tierSec = (peers: number, where: 'intra' | 'net') => {
    if (peers <= 0) return 0;
    const { link, peerBytesPerSec } = tier(where, cluster);
    const all = where === 'net' ? nicBytesPerSecPerGpu(cluster) : link.bytesPerSec;
    return Math.max((peers * bytesPerPeer) / (all * link.allToAllEfficiency * ll), bytesPerPeer / (peerBytesPerSec * link.sendRecvEfficiency * ll));
  };
  const lat = Math.max(inPeers > 0 ? p2pLatencySec('intra', p, cluster) : 0, outPeers > 0 ? p2pLatencySec('net', p, cluster) : 0);
  return { sec: lat + Math.max(tierSec(inPeers, 'intra'), tierSec(outPeers, 'net')), algorithm: 'grouped-p2p', protocol: p, latencySec: lat };
}
