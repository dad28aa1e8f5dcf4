import Table from './table.js';
import type { ChalkInstance } from 'chalk';
import type { CheckItem, ScenarioOutcome } from '../planning/check.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { formatBytes, formatInt, formatSeconds, round } from './format.js';
import { describeLayout, describeViolation } from './plan-report.js';
import { footnoteLines, footnotes } from './warnings.js';

const LABEL: Record<CheckItem['check'], string> = {
  maxTtft: 'TTFT <=',
  maxTtit: 'TTIT <=',
  mustFit: 'fits in memory',
  minMaxContext: 'max context >=',
  plan: 'a layout exists',
};

/** A check's value (its limit or the prediction) in the check's own unit. */
function valueText(check: CheckItem['check'], value: number): string {
  switch (check) {
    case 'maxTtft':
    case 'maxTtit':
      return formatSeconds(value);
    case 'mustFit':
      return formatBytes(value);
    case 'minMaxContext':
      return formatInt(value);
    case 'plan':
      return `${value} nodes`;
  }
}

const limitText = (c: CheckItem) => (c.check === 'plan' ? `<= ${valueText(c.check, c.limit)}` : valueText(c.check, c.limit));
const actualText = (c: CheckItem) => (c.check === 'plan' ? 'none' : valueText(c.check, c.actual));

const marginText = (c: CheckItem) => (c.check === 'plan' ? '-' : `${c.margin >= 0 ? '+' : ''}${(c.margin * 100).toFixed(1)}%`);
/** Why a planned scenario found no layout: its closest candidate's worst miss. */
export function noLayoutText(o: ScenarioOutcome): string {
  const closest = closestText(o);
  return `none up to ${o.maxNodes} nodes` + (closest ? `; ${closest}` : '');
}

/** A planned scenario's closest candidate and its worst miss ("closest 8 nodes TP8 x CP8 … 142 s > 60.0 s"), or ''. */
export function closestText(o: ScenarioOutcome): string {
  const worst = o.closest ? [...o.closest.violations].sort((a, b) => b.factor - a.factor)[0] : undefined;
  return worst && o.closest ? `closest ${describeLayout(o.closest)} ${describeViolation(worst)}` : '';
}

const layoutText = (o: ScenarioOutcome) =>
  o.layout
    ? `${o.layout.nodes}n TP${o.layout.tp} x CP${o.layout.cp}${o.layout.dcp > 1 ? ` DCP${o.layout.dcp}` : ''}${o.layout.ep > 1 ? ` EP${o.layout.ep}` : ''}`
    : noLayoutText(o);

function rows(outcomes: readonly ScenarioOutcome[]): { o: ScenarioOutcome; c: CheckItem }[] {
  return outcomes.flatMap((o) => o.checks.map((c) => ({ o, c })));
}

/** A result's warning marker ("pass [1]"): its warnings are listed under the table. */
const withMark = (marker: string) => (marker ? ` ${marker}` : '');

const summary = (outcomes: readonly ScenarioOutcome[]) => `${outcomes.filter((o) => o.pass).length} of ${outcomes.length} scenarios pass`;

export function checkToTable(outcomes: readonly ScenarioOutcome[], label: string, chalk: ChalkInstance, color: boolean): string {
  const t = new Table({
    head: ['Scenario', 'Layout', 'Check', 'Limit', 'Predicted', 'Margin', 'Result'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'left'],
    style: tableStyle(color),
    chars: COMPACT_CHARS,
  });
  const notes = footnotes(outcomes.map((o) => o.warnings));
  const marker = new Map(outcomes.map((o, i) => [o, notes.markers[i]!]));
  for (const { o, c } of rows(outcomes)) {
    t.push([
      o.name,
      layoutText(o),
      LABEL[c.check],
      limitText(c),
      actualText(c),
      marginText(c),
      (c.pass ? chalk.green('pass') : chalk.red('FAIL')) + withMark(marker.get(o)!),
    ]);
  }
  const ok = outcomes.every((o) => o.pass);
  return (
    [
      chalk.bold(`cp-plan check: ${label}`),
      t.toString(),
      ok ? chalk.green(summary(outcomes)) : chalk.red(summary(outcomes)),
      ...footnoteLines(notes.notes),
    ].join('\n') + '\n'
  );
}

/** A markdown table cell: pipes and newlines would break the table. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A GitHub-flavoured summary for pull requests (e.g. >> "$GITHUB_STEP_SUMMARY"). */
export function checkToMarkdown(outcomes: readonly ScenarioOutcome[], label: string): string {
  const ok = outcomes.every((o) => o.pass);
  const notes = footnotes(outcomes.map((o) => o.warnings));
  const marker = new Map(outcomes.map((o, i) => [o, notes.markers[i]!]));
  const lines = [
    `### cp-plan check: ${ok ? 'all SLOs met' : 'SLOs missed'}`,
    '',
    `${summary(outcomes)} (\`${label}\`).`,
    '',
    '| Scenario | Layout | Check | Limit | Predicted | Margin | Result |',
    '|---|---|---|---:|---:|---:|---|',
    ...rows(outcomes).map(
      ({ o, c }) =>
        `| ${cell(o.name)} | ${cell(layoutText(o))} | ${LABEL[c.check]} | ${limitText(c)} | ${actualText(c)} | ${marginText(c)} | ${c.pass ? '✅ pass' : '❌ FAIL'}${withMark(marker.get(o)!)} |`,
    ),
    ...(notes.notes.length ? ['', ...footnoteLines(notes.notes).map((l, i) => (i === 0 ? `**${l}**` : `- ${cell(l.trim())}`))] : []),
  ];
  return lines.join('\n') + '\n';
}

export function checkToJson(outcomes: readonly ScenarioOutcome[], label: string, schemaVersion: number) {
  return {
    schemaVersion,
    file: label,
    pass: outcomes.every((o) => o.pass),
    scenarios: outcomes.map((o) => ({
      name: o.name,
      pass: o.pass,
      layout: o.layout,
      reason: o.layout ? null : noLayoutText(o),
      warnings: o.warnings,
      checks: o.checks.map(checkJson),
    })),
  };
}

/** The unit a check's limit and prediction are given in, named in their keys as in every JSON document. */
const JSON_UNIT: Record<CheckItem['check'], { suffix: string; value: (x: number) => number }> = {
  maxTtft: { suffix: 'Ms', value: (sec) => round(sec * 1e3, 6) },
  maxTtit: { suffix: 'Ms', value: (sec) => round(sec * 1e3, 6) },
  mustFit: { suffix: 'Bytes', value: Math.round },
  minMaxContext: { suffix: 'Tokens', value: Math.round },
  plan: { suffix: 'Nodes', value: (n) => n },
};

/** One check in JSON: limitMs/predictedMs, limitBytes/predictedBytes, limitTokens/predictedTokens, or limitNodes (predictedNodes null: no layout). */
function checkJson(c: CheckItem) {
  const { suffix, value } = JSON_UNIT[c.check];
  return {
    check: c.check,
    [`limit${suffix}`]: value(c.limit),
    [`predicted${suffix}`]: c.check === 'plan' ? null : value(c.actual),
    margin: round(c.margin, 5),
    pass: c.pass,
  };
}
