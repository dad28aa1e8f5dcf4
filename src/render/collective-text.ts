import type { CollectiveCost } from '../model/hardware/collectives.js';
import type { CommGroup } from '../model/hardware/topology.js';
import type { ClusterSpec } from '../model/types.js';

const ALGORITHM: Record<CollectiveCost['algorithm'], string> = {
  ring: 'ring',
  tree: 'tree',
  nvls: 'NVLS (in-switch reduction)',
  'nvls-tree': 'NVLS tree (NVLS in each domain, tree across)',
  hierarchical: 'hierarchical (reduce-scatter in each domain, all-reduce across, all-gather)',
  'hierarchical-sharp': 'hierarchical with in-network reduction (SHARP)',
  p2p: 'point-to-point',
  'grouped-p2p': 'grouped point-to-point (all peers at once)',
  none: 'none',
};

/** "ring, LL" / "NVLS tree (...), Simple": the algorithm and protocol NCCL's tuner would pick. */
export function describeCollective(c: CollectiveCost): string {
  return c.algorithm === 'none' ? 'none' : `${ALGORITHM[c.algorithm]}, ${c.protocol}`;
}

/** Where a group's traffic goes: inside one NVLink domain, or across domains on the network (how many NICs). */
export function describeGroupLinks(group: CommGroup, cluster: ClusterSpec): string {
  if (group.domains <= 1) return cluster.scaleUp.name;
  const nics = Math.max(1, Math.round((group.perDomain * cluster.nicsPerNode) / cluster.gpusPerNode));
  return `${cluster.scaleUp.name} + ${cluster.scaleOut.name} across ${group.domains} NVLink domains (${nics} NIC${nics === 1 ? '' : 's'} per domain in use)`;
}

/** The short name of the link a group's slowest hop crosses. */
export function groupLinkName(group: CommGroup, cluster: ClusterSpec): string {
  return group.domains > 1 ? cluster.scaleOut.name : cluster.scaleUp.name;
}
