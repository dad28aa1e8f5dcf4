import Table from './table.js';
import type { ChalkInstance } from 'chalk';
import type { Mape } from '../validation/report.js';
import type { CollectiveReport } from '../validation/collectives.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { formatPercent, round } from './format.js';

const signed = (e: number) => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(0)}%`;
const mapeText = (m: Mape) => (m.count ? `${formatPercent(m.mape)} (${m.count})` : '–');

/** The collectives section of `cp-plan validate`: one row per nccl-tests series, then MAPE by role, cluster and size. Pure. */
export function collectivesToTable(r: CollectiveReport, files: string[], chalk: ChalkInstance, color: boolean): string {
  const t = new Table({
    head: ['nccl-tests series', 'Cluster', 'Op', 'GPUs', 'Role', 'MAPE', 'Worst'],
    colAligns: ['left', 'left', 'left', 'right', 'left', 'right', 'right'],
    style: tableStyle(color),
    chars: COMPACT_CHARS,
  });
  for (const s of r.series) {
    const mape = s.mape.mape > 0.15 ? chalk.yellow(formatPercent(s.mape.mape)) : formatPercent(s.mape.mape);
    t.push([s.name, s.cluster, s.op, s.gpus, s.role, `${mape} (${s.mape.count})`, signed(s.worstError)]);
  }
  const lines = [
    chalk.bold(`cp-plan validate: ${r.points.length} nccl-tests points in ${r.series.length} series`) + ` (${files.join(', ')})`,
    '',
    t.toString(),
    `MAPE      fit ${mapeText(r.byRole.fit)}, held-out ${mapeText(r.byRole['held-out'])}; overall ${mapeText(r.overall)}`,
    `held-out  by size: ${r.heldOutBySize.map((s) => `${s.region} ${mapeText(s.mape)}`).join(', ')}`,
    `          by cluster: ${r.byCluster.map((c) => `${c.cluster} ${mapeText(c.heldOut)}`).join(', ')}`,
  ];
  return lines.join('\n') + '\n';
}

const mapeJson = (m: Mape) => ({ mape: round(m.mape, 5), maxAbsError: round(m.maxAbsError, 5), count: m.count });

/** The `collectives` object of `cp-plan validate --json`. Pure. */
export function collectivesToJson(r: CollectiveReport, files: string[]) {
  return {
    files,
    mape: {
      overall: mapeJson(r.overall),
      byRole: { fit: mapeJson(r.byRole.fit), 'held-out': mapeJson(r.byRole['held-out']) },
      byCluster: r.byCluster.map((c) => ({ cluster: c.cluster, fit: mapeJson(c.fit), heldOut: mapeJson(c.heldOut) })),
      heldOutBySize: r.heldOutBySize.map((s) => ({ region: s.region, ...mapeJson(s.mape) })),
    },
    series: r.series.map((s) => ({ ...s, mape: mapeJson(s.mape), worstError: round(s.worstError, 5) })),
    points: r.points.map((p) => ({ ...p, measuredUs: round(p.measuredUs, 3), predictedUs: round(p.predictedUs, 3), error: round(p.error, 5) })),
  };
}
