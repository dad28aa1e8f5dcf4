import type { ClusterHardware as ClusterSpec } from '../types.js';

/**
 * Where the members of one communication group sit (a TP group, a CP ring,
 * an EP or a DCP group): how many there are and how they split over NVLink
 * domains. Members of one domain talk over the scale-up fabric (NVLink, also
 * across the trays of an NVL72); the others over the network.
 */
export interface CommGroup {
  size: number;
  /** Members that share an NVLink domain with a given member (itself included), for the worst-placed member. */
  perDomain: number;
  /** NVLink domains the group spans (the most of any group of its kind). */
  domains: number;
}

/** A group that never leaves one NVLink domain. */
export function singleDomainGroup(size: number): CommGroup {
  return { size, perDomain: size, domains: 1 };
}

/**
 * The geometry of the groups of one kind in a layout of `gpus` GPUs numbered
 * domain by domain: `count` groups whose member k of group j is GPU
 * member(j, k). Every group is inspected, so an uneven placement (a partial
 * last domain) reports its worst group.
 */
export function groupGeometry(size: number, count: number, member: (group: number, k: number) => number, domainGpus: number): CommGroup {
  let perDomain = size;
  let domains = 1;
  const counts = new Map<number, number>();
  for (let j = 0; j < count; j++) {
    counts.clear();
    for (let k = 0; k < size; k++) {
      const d = Math.floor(member(j, k) / domainGpus);
      counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    domains = Math.max(domains, counts.size);
    for (const c of counts.values()) perDomain = Math.min(perDomain, c);
  }
  return { size, perDomain, domains };
}

/** Groups of `size` consecutive GPUs (TP, EP): group j holds GPUs j·size .. (j+1)·size − 1. */
export function contiguousGroups(size: number, gpus: number, domainGpus: number): CommGroup {
  // Aligned cases in closed form (the planner resolves thousands of layouts).
  if (domainGpus % size === 0) return singleDomainGroup(size);
  if (size % domainGpus === 0) return { size, perDomain: domainGpus, domains: size / domainGpus };
  return groupGeometry(size, Math.max(1, Math.floor(gpus / size)), (j, k) => j * size + k, domainGpus);
}

/** The groups of GPUs `stride` apart (a CP ring joins the GPUs with the same TP rank): ring r holds r, r + stride, ... */
export function stridedGroups(size: number, stride: number, domainGpus: number): CommGroup {
  if (stride % domainGpus === 0) return { size, perDomain: 1, domains: size };
  if (domainGpus % stride === 0) {
    const q = domainGpus / stride; // ring members per domain
    if (size <= q) return singleDomainGroup(size);
    return { size, perDomain: size % q === 0 ? q : size % q, domains: Math.ceil(size / q) };
  }
  return groupGeometry(size, stride, (r, k) => r + k * stride, domainGpus);
}

/**
 * One GPU's share of its node's network bandwidth, per direction: every GPU of
 * a node communicates at once in a data-parallel step, so the node's NICs are
 * shared evenly (one NIC per GPU on a rail-optimised HGX node).
 */
export function nicBytesPerSecPerGpu(cluster: ClusterSpec): number {
  return (cluster.scaleOut.bytesPerSec * cluster.nicsPerNode) / cluster.gpusPerNode;
}
