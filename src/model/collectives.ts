import type { ClusterSpec, Layout, LinkSpec } from './types.js';

/**
 * Collective costs as latency + bytes / achieved bandwidth (the alpha-beta
 * model). Bandwidths are per GPU per direction; every function returns seconds.
 * Latency has two parts, as in NCCL's own tuning model: a fixed start
 * (`latencySec`) and a per-hop term for each ring step inside the collective.
 */

/** Ring AllReduce of `bytes` over n ranks: 2(n-1) hops, each moving bytes/n. */
export function ringAllReduceSec(bytes: number, n: number, link: LinkSpec): number {
  if (n <= 1) return 0;
  const hops = 2 * (n - 1);
  return link.latencySec + hops * link.hopLatencySec + (hops / n) * (bytes / (link.bytesPerSec * link.efficiency));
}

/** Ring AllGather (or ReduceScatter) where each rank ends with n times its `bytesPerRank`. */
export function ringAllGatherSec(bytesPerRank: number, n: number, link: LinkSpec): number {
  if (n <= 1) return 0;
  return link.latencySec + (n - 1) * link.hopLatencySec + ((n - 1) * bytesPerRank) / (link.bytesPerSec * link.efficiency);
}

/** One point-to-point message to a ring neighbour (a SendRecv step). */
export function sendRecvSec(bytes: number, link: LinkSpec): number {
  return link.latencySec + bytes / (link.peerBytesPerSec * link.efficiency);
}

/**
 * All2All where each rank sends `bytesSentPerRank` in total, split over n-1
 * peers: one message (and its latency) per peer, the bytes at All2All's own
 * achieved bandwidth.
 */
export function allToAllSec(bytesSentPerRank: number, n: number, link: LinkSpec): number {
  if (n <= 1) return 0;
  return (n - 1) * link.latencySec + bytesSentPerRank / (link.bytesPerSec * link.allToAllEfficiency);
}

/**
 * An expert-parallel All2All (MoE dispatch or combine): EP kernels (DeepEP,
 * NCCL grouped send/recv) post the messages to all n-1 peers at once, so the
 * start-up latency is paid once plus a per-peer hop latency, and the bytes
 * move at All2All's achieved bandwidth. (The CP pass-Q All2All keeps the
 * paper-calibrated one-latency-per-peer form above.)
 */
export function groupedAllToAllSec(bytesSentPerRank: number, n: number, link: LinkSpec): number {
  if (n <= 1) return 0;
  return link.latencySec + (n - 1) * link.hopLatencySec + bytesSentPerRank / (link.bytesPerSec * link.allToAllEfficiency);
}

/** The link a TP group's AllReduce runs over: NVLink inside a node, else the network. */
export function tpLink(cluster: ClusterSpec, layout: Layout): LinkSpec {
  return layout.tpSpansNodes ? cluster.scaleOut : cluster.scaleUp;
}

/** The slowest hop of a CP ring: the network as soon as the ring leaves a node. */
export function cpRingLink(cluster: ClusterSpec, layout: Layout): LinkSpec {
  return layout.cpRingCrossesNodes ? cluster.scaleOut : cluster.scaleUp;
}
