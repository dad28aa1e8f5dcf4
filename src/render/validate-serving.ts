import Table from './table.js';
import type { ChalkInstance } from 'chalk';
import type { ServingReport } from '../validation/serving.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { formatInt, round } from './format.js';
import { groups, mapeJson, mapeText, signed, worstText } from './validate-external.js';

const msText = (x: number | null) => (x === null ? '–' : x >= 100 ? formatInt(Math.round(x)) : x.toFixed(1));

/** The serving section of `cp-plan validate`: one row per published run, scored on output tokens/s. Pure. */
export function servingToTable(r: ServingReport, file: string, chalk: ChalkInstance, color: boolean): string {
  const t = new Table({
    head: ['Serving run', 'Conc.', 'Measured tok/s', 'cp-plan tok/s', 'Error', 'TPOT ms (meas./cp-plan)', 'TTFT ms (meas./cp-plan)', 'Role'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    style: tableStyle(color),
    chars: COMPACT_CHARS,
  });
  for (const c of r.cases) {
    const e = Math.abs(c.error) > 0.35 ? chalk.red(signed(c.error)) : Math.abs(c.error) > 0.2 ? chalk.yellow(signed(c.error)) : signed(c.error);
    t.push([
      c.name,
      c.concurrency === null ? '–' : String(c.concurrency),
      formatInt(Math.round(c.measuredOutputTokensPerSec)),
      formatInt(Math.round(c.predictedOutputTokensPerSec)),
      e,
      `${msText(c.measuredMeanTpotMs)} / ${msText(c.predictedMeanTpotMs)}`,
      `${msText(c.measuredMeanTtftMs)} / ${msText(c.predictedMeanTtftMs)}`,
      c.role,
    ]);
  }
  const lines = [
    chalk.bold(`cp-plan validate: ${r.cases.length} serving runs replayed with cp-plan serve`) + ` (${file})`,
    '',
    t.toString(),
    `MAPE      output tokens/s: fit ${mapeText(r.fit)}, held-out ${mapeText(r.heldOut)}; held-out worst ${worstText(r.heldOut)}`,
    `held-out  by GPU: ${groups(r.byGpu)}; by engine: ${groups(r.byEngine)}`,
    `          mean TPOT ${mapeText(r.tpot)}, mean TTFT ${mapeText(r.ttft)} (where printed)`,
  ];
  if (r.skipped.length) lines.push(`not evaluated: ${r.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
  return lines.join('\n') + '\n';
}

/** The `serving` object of `cp-plan validate --json`. Pure. */
export function servingToJson(r: ServingReport, file: string) {
  const n = (x: number | null, d = 3) => (x === null ? null : round(x, d));
  return {
    file,
    mape: {
      fit: mapeJson(r.fit),
      heldOut: mapeJson(r.heldOut),
      heldOutByGpu: Object.fromEntries(Object.entries(r.byGpu).map(([k, m]) => [k, mapeJson(m)])),
      heldOutByEngine: Object.fromEntries(Object.entries(r.byEngine).map(([k, m]) => [k, mapeJson(m)])),
      meanTpot: mapeJson(r.tpot),
      meanTtft: mapeJson(r.ttft),
    },
    cases: r.cases.map((c) => ({
      ...c,
      measuredOutputTokensPerSec: round(c.measuredOutputTokensPerSec, 3),
      predictedOutputTokensPerSec: round(c.predictedOutputTokensPerSec, 3),
      error: round(c.error, 5),
      predictedMeanTpotMs: n(c.predictedMeanTpotMs),
      predictedMeanTtftMs: n(c.predictedMeanTtftMs),
    })),
    skipped: r.skipped,
  };
}
