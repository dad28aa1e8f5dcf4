import Table from './table.js';
import type { ChalkInstance } from 'chalk';
import type { ExternalReport } from '../validation/external.js';
import type { Mape } from '../validation/report.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { formatInt, formatPercent, formatSeconds, round } from './format.js';

export const signed = (e: number) => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
/** A group's MAPE and size; an empty group is '–', not 0.0% (0). */
export const mapeText = (m: Mape) => (m.count ? `${formatPercent(m.mape)} (${m.count})` : '–');
/** A group's worst error; '–' when the group is empty. */
export const worstText = (m: Mape) => (m.count ? formatPercent(m.maxAbsError) : '–');
export const groups = (g: Record<string, Mape>) =>
  Object.entries(g)
    .map(([k, m]) => `${k} ${mapeText(m)}`)
    .join(', ') || '–';

/** The external section of `cp-plan validate`: one row per measurement, then MAPE by role, GPU, engine and kind. Pure. */
export function externalToTable(r: ExternalReport, file: string, chalk: ChalkInstance, color: boolean): string {
  const t = new Table({
    head: ['External measurement', 'Kind', 'GPU', 'Engine', 'Measured', 'cp-plan', 'Error', 'Role'],
    colAligns: ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'left'],
    style: tableStyle(color),
    chars: COMPACT_CHARS,
  });
  for (const c of r.cases) {
    const e = Math.abs(c.error) > 0.35 ? chalk.red(signed(c.error)) : Math.abs(c.error) > 0.15 ? chalk.yellow(signed(c.error)) : signed(c.error);
    const value = (v: number) => (c.unit === 'tokens' ? `${formatInt(v)} tok` : formatSeconds(v));
    t.push([c.name, c.kind, c.gpu, c.engine, value(c.measuredSec), value(c.predictedSec), e, c.role]);
  }
  const lines = [
    chalk.bold(`cp-plan validate: ${r.cases.length} external measurements`) + ` (${file})`,
    '',
    t.toString(),
    `MAPE      fit ${mapeText(r.fit)}, held-out ${mapeText(r.heldOut)}; held-out worst ${worstText(r.heldOut)}`,
    `held-out  by GPU: ${groups(r.byGpu)}`,
    `          by engine: ${groups(r.byEngine)}`,
    `          by kind: ${groups(r.byKind)}`,
  ];
  if (r.skipped.length) lines.push(`not evaluated: ${r.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
  return lines.join('\n') + '\n';
}

export const mapeJson = (m: Mape) => ({ mape: round(m.mape, 5), maxAbsError: round(m.maxAbsError, 5), count: m.count });
const groupsJson = (g: Record<string, Mape>) => Object.fromEntries(Object.entries(g).map(([k, m]) => [k, mapeJson(m)]));

/** The `external` object of `cp-plan validate --json`. Pure. */
export function externalToJson(r: ExternalReport, file: string) {
  return {
    file,
    mape: {
      fit: mapeJson(r.fit),
      heldOut: mapeJson(r.heldOut),
      heldOutByGpu: groupsJson(r.byGpu),
      heldOutByEngine: groupsJson(r.byEngine),
      heldOutByKind: groupsJson(r.byKind),
    },
    cases: r.cases.map((c) => ({ ...c, measuredSec: round(c.measuredSec, 9), predictedSec: round(c.predictedSec, 9), error: round(c.error, 5) })),
    skipped: r.skipped,
  };
}
