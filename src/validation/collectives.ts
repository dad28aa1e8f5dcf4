import { busBandwidthFactor, collective, type Algorithm, type CollectiveCost } from '../model/hardware/collectives.js';
import { groupGeometry, type CommGroup } from '../model/hardware/topology.js';
import type { ClusterHardware as ClusterSpec } from '../model/types.js';
import type { CollectiveSeries } from '../schema/collective-measurements.js';
import { mapeOf, type Mape } from './report.js';

/** One measured nccl-tests point against cp-plan's prediction for it. */
export interface CollectivePointCheck {
  series: string;
  cluster: string;
  op: CollectiveSeries['op'];
  gpus: number;
  bytes: number;
  measuredUs: number;
  predictedUs: number;
  /** predicted / measured - 1, on time (equivalently, on bus bandwidth inverted). */
  error: number;
  role: 'fit' | 'held-out';
  algorithm: Algorithm;
  protocol: string;
}

/** Message sizes by regime: latency-bound, the middle, bandwidth-bound. */
export const SIZE_REGIONS = [
  { name: 'below 64 KiB', below: 65536 },
  { name: '64 KiB to 64 MiB', below: 67108864 },
  { name: '64 MiB and above', below: Infinity },
] as const;

export interface CollectiveSeriesSummary {
  name: string;
  cluster: string;
  op: CollectiveSeries['op'];
  gpus: number;
  role: 'fit' | 'held-out';
  mape: Mape;
  /** The signed error of the worst point. */
  worstError: number;
}

export interface CollectiveReport {
  points: CollectivePointCheck[];
  series: CollectiveSeriesSummary[];
  byRole: Record<'fit' | 'held-out', Mape>;
  byCluster: { cluster: string; fit: Mape; heldOut: Mape }[];
  /** Held-out points by message size region. */
  heldOutBySize: { region: string; mape: Mape }[];
  overall: Mape;
}

/**
 * The ranks of a run, numbered node by node: `ranksPerNode` of each node
 * (all of them by default), as nccl-tests places one rank per GPU.
 */
export function seriesGroup(series: Pick<CollectiveSeries, 'gpus' | 'ranksPerNode'>, cluster: ClusterSpec): CommGroup {
  const gpuOf = rankPlacement(series, cluster);
  return groupGeometry(series.gpus, 1, (_, k) => gpuOf(k), cluster.nvlinkDomainGpus);
}

/** How many ranks of the run each NVLink domain holds, in domain order (e.g. [8, 4] for 12 ranks on 8-GPU nodes). */
export function seriesDomainSizes(series: Pick<CollectiveSeries, 'gpus' | 'ranksPerNode'>, cluster: ClusterSpec): number[] {
  const gpuOf = rankPlacement(series, cluster);
  const counts = new Map<number, number>();
  for (let k = 0; k < series.gpus; k++) {
    const d = Math.floor(gpuOf(k) / cluster.nvlinkDomainGpus);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return [...counts.values()];
}

/** The GPU of rank k: ranks fill `ranksPerNode` GPUs of each node in turn. */
function rankPlacement(series: Pick<CollectiveSeries, 'ranksPerNode'>, cluster: ClusterSpec): (k: number) => number {
  const perNode = Math.min(series.ranksPerNode ?? cluster.gpusPerNode, cluster.gpusPerNode);
  return (k) => Math.floor(k / perNode) * cluster.gpusPerNode + (k % perNode);
}

/** The measured time of a point: as printed, or from its bus bandwidth (nccl-tests: busbw = bytes / time x factor). */
export function measuredSec(series: CollectiveSeries, point: CollectiveSeries['points'][number]): number {
  const [bytes, timeUs, busbw] = point;
  if (timeUs !== null) return timeUs * 1e-6;
  return (bytes * busBandwidthFactor(series.op, series.gpus)) / (busbw! * 1e9);
}

/** cp-plan's prediction for one size of a series, restricted to the run's algorithms. */
export function predictSeries(series: CollectiveSeries, bytes: number, cluster: ClusterSpec): CollectiveCost | null {
  const group = seriesGroup(series, cluster);
  return series.algorithms ? collective(series.op, bytes, group, cluster, series.algorithms) : collective(series.op, bytes, group, cluster);
}

/** Every point of every series through the collective model. `clusterOf` resolves each series' cluster. Pure. */
export function checkCollectives(series: readonly CollectiveSeries[], clusterOf: (name: string) => ClusterSpec): CollectiveReport {
  const points: CollectivePointCheck[] = [];
  for (const s of series) {
    const cluster = clusterOf(s.cluster);
    for (const p of s.points) {
      const cost = predictSeries(s, p[0], cluster);
      if (cost === null) continue;
      const measured = measuredSec(s, p);
      points.push({
        series: s.name,
        cluster: cluster.name,
        op: s.op,
        gpus: s.gpus,
        bytes: p[0],
        measuredUs: measured * 1e6,
        predictedUs: cost.sec * 1e6,
        error: cost.sec / measured - 1,
        role: s.role,
        algorithm: cost.algorithm,
        protocol: cost.protocol,
      });
    }
  }
  const clusters = [...new Set(points.map((p) => p.cluster))].sort();
  const held = points.filter((p) => p.role === 'held-out');
  return {
    points,
    series: series.flatMap((s) => {
      const own = points.filter((p) => p.series === s.name);
      if (own.length === 0) return [];
      const worst = own.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a));
      return [{ name: s.name, cluster: own[0]!.cluster, op: s.op, gpus: s.gpus, role: s.role, mape: mapeOf(own), worstError: worst.error }];
    }),
    heldOutBySize: SIZE_REGIONS.map((r, i) => ({
      region: r.name,
      mape: mapeOf(held.filter((p) => p.bytes < r.below && (i === 0 || p.bytes >= SIZE_REGIONS[i - 1]!.below))),
    })),
    byRole: { fit: mapeOf(points.filter((p) => p.role === 'fit')), 'held-out': mapeOf(points.filter((p) => p.role === 'held-out')) },
    byCluster: clusters.map((cluster) => ({
      cluster,
      fit: mapeOf(points.filter((p) => p.cluster === cluster && p.role === 'fit')),
      heldOut: mapeOf(points.filter((p) => p.cluster === cluster && p.role === 'held-out')),
    })),
    overall: mapeOf(points),
  };
}
