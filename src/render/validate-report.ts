import Table from './table.js';
import type { ChalkInstance } from 'chalk';
import type { ValidationReport } from '../validation/report.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { formatPercent, round } from './format.js';
import { mapeText } from './validate-external.js';

const GROUP_LABEL = { 'full-prefill': 'full prefill', 'partial-prefill': 'partial prefill', decode: 'decode' } as const;
const VARIANT = { auto: '-', 'pass-kv': 'pass-KV', 'pass-q': 'pass-Q' } as const;
const signed = (e: number) => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));

export interface ValidateHeader {
  modelName: string;
  clusterName: string;
  dataLabel: string;
}

/** The text report of `cp-plan validate`. Pure. */
export function validateToTable(r: ValidationReport, h: ValidateHeader, chalk: ChalkInstance, color: boolean): string {
  const style = tableStyle(color);
  const lines = [chalk.bold(`cp-plan validate: ${r.cases.length} measured times of ${h.modelName} on ${h.clusterName}`) + ` (${h.dataLabel})`, ''];
  const cases = new Table({
    head: ['Case', 'Group', 'Variant', 'Measured ms', 'cp-plan ms', 'Error', 'Role', 'Source'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'left'],
    style,
    chars: COMPACT_CHARS,
  });
  for (const c of r.cases) {
    const err = Math.abs(c.error) > 0.1 ? chalk.yellow(signed(c.error)) : signed(c.error);
    cases.push([c.name, GROUP_LABEL[c.group], VARIANT[c.variant], ms(c.measuredMs), ms(c.predictedMs), err, c.role, c.ref]);
  }
  lines.push(cases.toString());
  const groups = (Object.keys(r.byGroup) as (keyof typeof r.byGroup)[])
    .filter((g) => r.byGroup[g].count > 0)
    .map((g) => `${GROUP_LABEL[g]} ${formatPercent(r.byGroup[g].mape)} (${r.byGroup[g].count})`);
  lines.push(
    `MAPE      ${groups.join(', ')}; overall ${formatPercent(r.overall.mape)} (${r.overall.count}), worst case ${formatPercent(r.overall.maxAbsError)}`,
  );
  lines.push(`          fit ${mapeText(r.byRole.fit)}, held-out ${mapeText(r.byRole['held-out'])}`);
  const scored = r.decisions.filter((d) => d.scored);
  if (r.decisions.length > 0) {
    const ties = r.decisions.length - scored.length;
    lines.push(
      `Decisions pass-KV vs pass-Q: ${scored.filter((d) => d.correct).length} of ${scored.length} right where the measured gap exceeds 2%` +
        (ties
          ? `; ${ties} within 2% (ties, not scored: ${r.decisions
              .filter((d) => !d.scored)
              .map((d) => `${d.name} measured ${VARIANT[d.measuredFaster]}, cp-plan ${VARIANT[d.chosen]}`)
              .join('; ')})`
          : ''),
    );
  }
  if (r.ringIterations.length > 0) {
    lines.push(
      '',
      componentTable('Ring iteration', r.ringIterations, (x) => x.toFixed(0), style),
    );
  }
  if (r.decodeAttention.length > 0) {
    const held = r.decodeAttention.filter((c) => c.role === 'held-out');
    const within = held.filter((c) => Math.abs(c.error) <= 0.2).length;
    lines.push(
      '',
      componentTable('Decode attention per layer', r.decodeAttention, (x) => x.toFixed(1), style),
      `Decode attention components: ${within} of ${held.length} held-out within ±20%`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Measured against predicted components of one step (Table 5) or one layer (Table 8). */
function componentTable(
  title: string,
  rows: readonly { name: string; component: string; measuredUs: number; predictedUs: number; error: number; role: string }[],
  us: (x: number) => string,
  style: ReturnType<typeof tableStyle>,
): string {
  const t = new Table({
    head: [title, 'Component', 'Measured µs', 'cp-plan µs', 'Error', 'Role'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'left'],
    style,
    chars: COMPACT_CHARS,
  });
  for (const c of rows) t.push([c.name, c.component, us(c.measuredUs), us(c.predictedUs), signed(c.error), c.role]);
  return t.toString();
}

/** The `cp-plan validate --json` document. Pure. */
export function validateToJson(r: ValidationReport, h: ValidateHeader, schemaVersion: number) {
  const mape = (m: { mape: number; maxAbsError: number; count: number }) => ({
    mape: round(m.mape, 5),
    maxAbsError: round(m.maxAbsError, 5),
    count: m.count,
  });
  return {
    schemaVersion,
    model: h.modelName,
    cluster: h.clusterName,
    data: h.dataLabel,
    cases: r.cases.map((c) => ({ ...c, measuredMs: c.measuredMs, predictedMs: round(c.predictedMs, 3), error: round(c.error, 5) })),
    mape: {
      overall: mape(r.overall),
      byGroup: Object.fromEntries(Object.entries(r.byGroup).map(([g, m]) => [g, mape(m)])),
      byRole: { fit: mape(r.byRole.fit), 'held-out': mape(r.byRole['held-out']) },
    },
    decisions: r.decisions.map((d) => ({ ...d, measuredGap: round(d.measuredGap, 5) })),
    ringIterations: r.ringIterations.map((c) => ({ ...c, predictedUs: round(c.predictedUs, 1), error: round(c.error, 5) })),
    decodeAttention: r.decodeAttention.map((c) => ({ ...c, predictedUs: round(c.predictedUs, 2), error: round(c.error, 5) })),
  };
}
