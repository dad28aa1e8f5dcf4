import type { CheckItem, ScenarioOutcome } from '../../planning/check.js';
import { formatBytes, formatInt, formatSeconds } from '../format.js';
import { closestText, noLayoutText } from '../check-report.js';
import { svgBarChart } from '../svg-chart.js';
import { chart, figure, page, section, table, text, warningNotes } from './html.js';

export interface CheckReportInput {
  outcomes: readonly ScenarioOutcome[];
  /** The scenarios file as the user named it. */
  label: string;
  argv: readonly string[];
  version: string;
}

const LABEL: Record<CheckItem['check'], string> = {
  maxTtft: 'TTFT',
  maxTtit: 'TTIT',
  mustFit: 'memory',
  minMaxContext: 'max context',
  plan: 'a layout exists',
};

function valueText(check: CheckItem['check'], v: number): string {
  if (check === 'maxTtft' || check === 'maxTtit') return formatSeconds(v);
  if (check === 'mustFit') return formatBytes(v);
  if (check === 'minMaxContext') return `${formatInt(v)} tokens`;
  return `${v} nodes`;
}

/** How much of its SLO a check uses, in percent: over 100 misses. A floor (max context) is inverted. */
const used = (c: CheckItem) => (c.check === 'minMaxContext' ? (c.limit / Math.max(c.actual, 1)) * 100 : (c.actual / c.limit) * 100);

const layoutText = (o: ScenarioOutcome) =>
  o.layout
    ? `${o.layout.nodes}n TP${o.layout.tp} × CP${o.layout.cp}${o.layout.dcp > 1 ? ` DCP${o.layout.dcp}` : ''}${o.layout.ep > 1 ? ` EP${o.layout.ep}` : ''} ${o.layout.variant}`
    : noLayoutText(o);

/** The `check --report` page: a CI artifact. Pure. */
export function checkReport(i: CheckReportInput): string {
  const passed = i.outcomes.filter((o) => o.pass).length;
  const ok = passed === i.outcomes.length;
  const items = i.outcomes.flatMap((o) => o.checks.map((c) => ({ o, c })));
  // Each scenario's warnings numbered once (as under the terminal table); a check row links to its scenario's.
  const notes = warningNotes(items, ({ o }) => o.warnings, 'check');
  const measured = items.filter(({ c }) => c.check !== 'plan' && Number.isFinite(used(c)));
  const rows = measured.map(({ o, c }) => ({
    label: `${o.name}: ${LABEL[c.check]}`,
    segments: [{ name: c.pass ? 'meets its SLO' : 'misses its SLO', value: Math.round(used(c) * 10) / 10 }],
  }));
  const figs = [
    figure('Scenarios', `${passed} of ${i.outcomes.length} pass`),
    figure('Checks', `${items.filter(({ c }) => c.pass).length} of ${items.length} pass`),
    ...(notes.count ? [figure('Warnings', `${notes.count}`, 'qualify these predictions: listed under every check')] : []),
    ...i.outcomes
      .filter((o) => !o.pass)
      .map((o) =>
        figure(
          `FAIL: ${o.name}`,
          o.layout ? layoutText(o) : `none up to ${o.maxNodes ?? '?'} nodes`,
          text(
            o.checks
              .filter((c) => !c.pass)
              .map((c) =>
                c.check === 'plan'
                  ? closestText(o) || 'no layout meets the SLOs'
                  : `${LABEL[c.check]} ${valueText(c.check, c.actual)} against ${valueText(c.check, c.limit)}`,
              )
              .join('; '),
          ),
        ),
      ),
  ];
  const detail = table(
    items,
    [
      { head: 'Scenario', cell: ({ o }) => o.name },
      { head: 'Layout', cell: ({ o }) => layoutText(o) },
      { head: 'Check', cell: ({ c }) => LABEL[c.check] },
      {
        head: 'Limit',
        cell: ({ c }) => ({ html: text(c.check === 'plan' ? `<= ${valueText(c.check, c.limit)}` : valueText(c.check, c.limit)), v: c.limit }),
        num: true,
      },
      { head: 'Predicted', cell: ({ c }) => ({ html: text(c.check === 'plan' ? 'none' : valueText(c.check, c.actual)), v: c.actual }), num: true },
      {
        head: 'Margin',
        cell: ({ c }) => ({ html: c.check === 'plan' ? '-' : `${c.margin >= 0 ? '+' : ''}${(c.margin * 100).toFixed(1)}%`, v: c.margin }),
        num: true,
      },
      { head: 'Result', cell: ({ c }) => ({ html: c.pass ? 'pass' : 'FAIL', cls: c.pass ? 'pass' : 'fail' }) },
      notes.column,
    ],
    { sortable: true, rowClass: ({ c }) => (c.pass ? '' : 'fail') },
  );
  const sections = [];
  if (rows.length) {
    sections.push(
      section(
        'margins',
        'Each check against its SLO',
        chart(
          svgBarChart(
            { title: 'Share of each SLO used', xLabel: '% of the limit', unit: '%', rows, limits: [{ value: 100, label: 'the SLO (100%)' }] },
            'check-margins',
          ),
          'Predicted value over its limit (max context: the limit over the prediction); past the 100% line a check fails.',
        ),
      ),
    );
  }
  sections.push(section('checks', 'Every check', detail + notes.list));
  return page({
    title: `cp-plan check: ${i.label}`,
    argv: i.argv,
    version: i.version,
    verdict: ok ? 'pass' : 'fail',
    verdictText: ok ? `All ${i.outcomes.length} scenarios meet their SLOs` : `${i.outcomes.length - passed} of ${i.outcomes.length} scenarios miss an SLO`,
    inputs: [
      ['Scenarios file', text(i.label)],
      ['Scenarios', text(i.outcomes.map((o) => o.name).join(', '))],
    ],
    answer: `<div class="figs">${figs.join('')}</div>`,
    sections,
  });
}
