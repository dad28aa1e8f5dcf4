import Table from './table.js';
import type { CollectiveOp } from '../model/hardware/collectives.js';
import type { CommGroup } from '../model/hardware/topology.js';
import type { ClusterHardware as ClusterSpec } from '../model/types.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { round } from './format.js';

export interface CollectiveRow {
  bytes: number;
  timeUs: number;
  algbwGBps: number;
  busbwGBps: number;
  algorithm: string;
  protocol: string;
  latencyUs: number;
}

/** nccl-tests' default element type: float, 4 bytes. */
const ELEMENT_BYTES = 4;

/** The run in words: op, GPUs, nodes, domains, NICs, and the cost model. */
export function describeRun(op: CollectiveOp, group: CommGroup, domainSizes: readonly number[], nodes: number, c: ClusterSpec): string {
  const even = domainSizes.every((n) => n === domainSizes[0]);
  const split = even ? `${domainSizes[0]} GPUs in each` : `${domainSizes.join(' + ')} GPUs`;
  const domains = group.domains > 1 ? `${group.domains} NVLink domains, ${split}` : 'one NVLink domain';
  const nics = group.domains > 1 ? `; ${c.nicsPerNode} x ${(c.scaleOut.bytesPerSec * 8) / 1e9} Gb/s NICs per node of ${c.gpusPerNode}` : '';
  return `cp-plan collective ${op}: ${group.size} GPUs of ${c.name} on ${nodes} node(s) (${domains}${nics}); ${c.collectives.displayName}, fastest algorithm and protocol per size`;
}

const fixed = (x: number, digits: number) => x.toFixed(digits);

/** The nccl-tests columns, plus what NCCL's tuner would pick. */
export function collectiveToTable(header: string, rows: CollectiveRow[], color: boolean): string {
  const t = new Table({
    head: ['size (B)', 'count', 'type', 'time (us)', 'algbw (GB/s)', 'busbw (GB/s)', 'algorithm', 'protocol'],
    colAligns: ['right', 'right', 'left', 'right', 'right', 'right', 'left', 'left'],
    style: tableStyle(color),
    chars: COMPACT_CHARS,
  });
  for (const r of rows) {
    t.push([r.bytes, Math.floor(r.bytes / ELEMENT_BYTES), 'float', fixed(r.timeUs, 2), fixed(r.algbwGBps, 2), fixed(r.busbwGBps, 2), r.algorithm, r.protocol]);
  }
  return `${header}\n${t.toString()}\n`;
}

export function collectiveToCsv(rows: CollectiveRow[]): string {
  const lines = ['bytes,time_us,algbw_GBps,busbw_GBps,algorithm,protocol,latency_us'];
  for (const r of rows)
    lines.push([r.bytes, fixed(r.timeUs, 3), fixed(r.algbwGBps, 3), fixed(r.busbwGBps, 3), r.algorithm, r.protocol, fixed(r.latencyUs, 3)].join(','));
  return lines.join('\n') + '\n';
}

export function collectiveRowsJson(rows: CollectiveRow[]) {
  return rows.map((r) => ({
    bytes: r.bytes,
    timeUs: round(r.timeUs, 3),
    algbwGBps: round(r.algbwGBps, 3),
    busbwGBps: round(r.busbwGBps, 3),
    algorithm: r.algorithm,
    protocol: r.protocol,
    latencyUs: round(r.latencyUs, 3),
  }));
}
