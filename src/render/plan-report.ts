import Table from './table.js';
import type { ChalkInstance } from 'chalk';
import type { Candidate, Violation } from '../planning/candidates.js';
import type { PlanResult } from '../planning/plan.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { formatBytes, formatSeconds, round } from './format.js';
import { footnoteLines, footnotes } from './warnings.js';

/** The warnings that qualify a candidate's estimate (estimate's, for its layout); none when not given. */
export type WarningsOf = (c: Candidate) => string[];
const noWarnings: WarningsOf = () => [];

const VARIANT = { 'pass-kv': 'pass-KV', 'pass-q': 'pass-Q' } as const;

export interface PlanHeader {
  title: string;
  slo: string;
  maxNodes: number;
  gpusPerNode: number;
}

export function describeViolation(v: Violation): string {
  switch (v.constraint) {
    case 'memory':
      return `does not fit: ${formatBytes(v.actual)} > ${formatBytes(v.limit)} per GPU`;
    case 'ttft':
      return `does not meet TTFT: ${formatSeconds(v.actual)} > ${formatSeconds(v.limit)}`;
    case 'ttit':
      return `does not meet TTIT: ${formatSeconds(v.actual)} > ${formatSeconds(v.limit)}`;
    case 'throughput':
      return `below throughput: ${v.actual.toFixed(1)} < ${v.limit} tokens/s`;
  }
}

export function describeLayout(c: Candidate): string {
  const l = c.layout;
  const nodes = l.nodes * c.pp;
  const where = l.gpus === l.nodes * l.gpusPerNode ? `${nodes} node${nodes === 1 ? '' : 's'}` : `${c.gpus} GPU${c.gpus === 1 ? '' : 's'}`;
  return `${where} ${c.pp > 1 ? `PP${c.pp} x ` : ''}TP${l.tp} x CP${l.cp}${l.dcp > 1 ? ` DCP${l.dcp}` : ''}${l.ep > 1 ? ` EP${l.ep}` : ''}${l.cp > 1 ? (l.cpStyle && l.cpStyle !== 'ring' ? ` ${l.cpStyle}` : ` ${VARIANT[c.variant]}`) : ''}`;
}

/**
 * The text report of `cp-plan plan`. Short by default (the answer, its table, the size just below and why it
 * does not do); `verbose` adds every smaller size, the rejected layout families and the Pareto frontier. Pure.
 */
export function planToTable(
  r: PlanResult,
  h: PlanHeader,
  top: number,
  chalk: ChalkInstance,
  color: boolean,
  warningsOf: WarningsOf = noWarnings,
  verbose = false,
): string {
  const lines = [
    chalk.bold(`cp-plan plan: ${h.title}`),
    `SLOs: ${h.slo}. Searched ${r.evaluated} layouts x variants on 1 GPU up to ${h.maxNodes} nodes (${h.maxNodes * h.gpusPerNode} GPUs): ${r.qualifying.length} meet every constraint.`,
    '',
  ];
  // The best layout's warnings first (it is row 1), then the other rows'; each marked where it applies.
  const shown = r.best ? r.qualifying.slice(0, top) : [];
  const notes = footnotes(shown.map(warningsOf));
  const mark = (i: number) => (notes.markers[i] ? ` ${notes.markers[i]}` : '');
  if (r.best) {
    lines.push(
      chalk.green(
        `Best: ${describeLayout(r.best)}${mark(0)}${r.best.layout.gpus === r.best.layout.nodes * r.best.layout.gpusPerNode ? ` on ${r.best.gpus} GPUs` : ''}: TTFT ${formatSeconds(r.best.ttftSec)}, TTIT ${formatSeconds(r.best.ttitSec)}, ${formatBytes(r.best.memoryBytes)} per GPU`,
      ),
    );
    const t = new Table({
      head: ['#', 'GPUs', 'Layout', 'TTFT', 'TTIT', 'Decode tok/s', 'Memory/GPU'],
      colAligns: ['right', 'right', 'left', 'right', 'right', 'right', 'right'],
      style: tableStyle(color),
      chars: COMPACT_CHARS,
    });
    shown.forEach((c, i) =>
      t.push([
        i + 1,
        c.gpus,
        describeLayout(c) + mark(i),
        formatSeconds(c.ttftSec),
        formatSeconds(c.ttitSec),
        c.tokensPerSec.toFixed(1),
        formatBytes(c.memoryBytes),
      ]),
    );
    lines.push(t.toString(), ...footnoteLines(notes.notes));
  } else if (r.closest) {
    const worst = [...r.closest.violations].sort((a, b) => b.factor - a.factor)[0]!;
    lines.push(
      chalk.red(
        `No layout meets every constraint. The binding one is ${worst.constraint.toUpperCase()}: the closest layout, ${describeLayout(r.closest)} on ${r.closest.gpus} GPUs, ${describeViolation(worst)} (${worst.factor.toFixed(2)}x off).`,
      ),
    );
  }
  if (!verbose) {
    const below = r.best ? r.smaller[r.smaller.length - 1] : undefined;
    if (below)
      lines.push('', `Why not ${below.gpus} GPUs: ${below.closest.violations.map(describeViolation).join('; ')} at best (${describeLayout(below.closest)}).`);
    if (!r.best && r.smaller.length) {
      lines.push('', 'Closest layout at each size:');
      for (const g of groupSmaller(r)) lines.push(`  ${g}`);
    }
    lines.push('', '--verbose for every smaller size, the layout families that fail and the Pareto frontier.');
    return lines.join('\n') + '\n';
  }
  if (r.smaller.length) {
    lines.push('', r.best ? 'Why fewer GPUs do not do (the closest layout at each size):' : 'Closest layout at each size:');
    for (const g of groupSmaller(r)) lines.push(`  ${g}`);
  }
  if (r.rejected.length) {
    lines.push('', 'Layout families with no qualifying member (closest member):');
    for (const f of r.rejected) lines.push(`  ${f.family}: ${f.closest.violations.map(describeViolation).join('; ')} (${describeLayout(f.closest)})`);
  }
  if (r.pareto.length) {
    lines.push('', 'Pareto frontier, GPUs vs fastest TTFT that fits in memory:');
    lines.push(
      wrap(
        r.pareto.map((c) => `${c.gpus} GPUs ${formatSeconds(c.ttftSec)}`),
        100,
      )
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  return lines.join('\n') + '\n';
}

/** The machine columns of a plan candidate (CSV), the same whatever was searched. */
const CSV_HEAD = [
  'rank',
  'gpus',
  'nodes',
  'pp',
  'tp',
  'cp',
  'dcp',
  'ep',
  'cpStyle',
  'variant',
  'ttftMs',
  'ttitMs',
  'tokensPerSecond',
  'memoryPerGpuBytes',
  'capacityBytes',
];

/** The qualifying layouts as CSV (RFC 4180; no value holds a comma or quote), best first. Pure. */
export function planToCsv(r: PlanResult, top: number): string {
  const rows = r.qualifying.slice(0, top).map((c, i) => {
    const ring = c.layout.cp > 1 && (c.layout.cpStyle ?? 'ring') === 'ring';
    return [
      i + 1,
      c.gpus,
      c.layout.nodes * c.pp,
      c.pp,
      c.layout.tp,
      c.layout.cp,
      c.layout.dcp,
      c.layout.ep,
      c.layout.cp > 1 ? (c.layout.cpStyle ?? 'ring') : '',
      ring ? c.variant : '',
      ms(c.ttftSec),
      ms(c.ttitSec),
      round(c.tokensPerSec, 3),
      Math.round(c.memoryBytes),
      Math.round(c.capacityBytes),
    ].join(',');
  });
  return [CSV_HEAD.join(','), ...rows].join('\n') + '\n';
}

/** The answer and the qualifying layouts as a markdown table (for a pull request or design doc). Pure. */
export function planToMarkdown(r: PlanResult, h: PlanHeader, top: number, warningsOf: WarningsOf = noWarnings): string {
  const lines = [`**cp-plan plan:** ${h.title}`, '', `SLOs: ${h.slo}. ${r.qualifying.length} of ${r.evaluated} layouts x variants meet every constraint.`, ''];
  if (r.best) {
    const shown = r.qualifying.slice(0, top);
    const notes = footnotes(shown.map(warningsOf));
    lines.push('| # | GPUs | Layout | TTFT | TTIT | Decode tok/s | Memory/GPU |', '|---:|---:|---|---:|---:|---:|---:|');
    shown.forEach((c, i) =>
      lines.push(
        `| ${i + 1} | ${c.gpus} | ${describeLayout(c)}${notes.markers[i] ? ` ${notes.markers[i]}` : ''} | ${formatSeconds(c.ttftSec)} | ${formatSeconds(c.ttitSec)} | ${c.tokensPerSec.toFixed(1)} | ${formatBytes(c.memoryBytes)} |`,
      ),
    );
    // A blank line ends the table (GitHub-flavoured Markdown continues it otherwise), then a list, as check and sweep do.
    if (notes.notes.length) lines.push('', ...footnoteLines(notes.notes).map((l, i) => (i === 0 ? `**${l}**` : `- ${l.trim().replace(/\|/g, '\\|')}`)));
  } else if (r.closest) {
    const worst = [...r.closest.violations].sort((a, b) => b.factor - a.factor)[0]!;
    lines.push(`No layout meets every constraint; the closest, ${describeLayout(r.closest)} on ${r.closest.gpus} GPUs, ${describeViolation(worst)}.`);
  }
  return lines.join('\n') + '\n';
}

/** Consecutive sizes whose closest layout fails the same constraints become one line. */
function groupSmaller(r: PlanResult): string[] {
  const out: string[] = [];
  const key = (c: Candidate) => c.violations.map((v) => v.constraint).join('+');
  let i = 0;
  while (i < r.smaller.length) {
    let j = i;
    while (j + 1 < r.smaller.length && key(r.smaller[j + 1]!.closest) === key(r.smaller[i]!.closest)) j++;
    const first = r.smaller[i]!;
    const last = r.smaller[j]!;
    const range = i === j ? `${first.gpus} GPUs` : `${first.gpus}-${last.gpus} GPUs`;
    out.push(`${range}: ${last.closest.violations.map(describeViolation).join('; ')} at best (${describeLayout(last.closest)})`);
    i = j + 1;
  }
  return out;
}

function wrap(items: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line ? `${line}, ${item}` : item;
    if (next.length > width && line) {
      lines.push(line + ',');
      line = item;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

const ms = (sec: number) => round(sec * 1e3, 3);

export function candidateJson(c: Candidate, warningsOf: WarningsOf = noWarnings) {
  return {
    layout: {
      nodes: c.layout.nodes * c.pp,
      tp: c.layout.tp,
      cp: c.layout.cp,
      gpus: c.gpus,
      dcp: c.layout.dcp,
      ep: c.layout.ep,
      pp: c.pp,
      cpStyle: c.layout.cp > 1 ? (c.layout.cpStyle ?? 'ring') : null,
    },
    prefill: { ttftMs: ms(c.ttftSec), variant: c.variant },
    decode: { ttitMs: ms(c.ttitSec), aggregateTokensPerSecond: round(c.tokensPerSec, 3) },
    memory: { perGpuBytes: Math.round(c.memoryBytes), capacityBytes: Math.round(c.capacityBytes), fits: c.memoryBytes <= c.capacityBytes },
    violations: c.violations.map((v) => ({
      constraint: v.constraint,
      actual: round(v.actual, 6),
      limit: v.limit,
      factor: round(v.factor, 4),
      reason: describeViolation(v),
    })),
    /** What qualifies this layout's estimate, as estimate --json gives it. */
    warnings: warningsOf(c),
  };
}

/** The stable `plan --json` document. Pure. */
export function planToJson(r: PlanResult, top: number, extra: Record<string, unknown>, warningsOf: WarningsOf = noWarnings) {
  const json = (c: Candidate) => candidateJson(c, warningsOf);
  return {
    ...extra,
    evaluated: r.evaluated,
    best: r.best ? json(r.best) : null,
    candidates: r.qualifying.slice(0, top).map(json),
    candidatesTotal: r.qualifying.length,
    rejected: r.rejected.map((f) => ({
      family: f.family,
      evaluated: f.evaluated,
      reason: f.closest.violations.map(describeViolation).join('; '),
      closest: json(f.closest),
    })),
    smallerGpuCounts: r.smaller.map((s) => ({ gpus: s.gpus, reason: s.closest.violations.map(describeViolation).join('; '), closest: json(s.closest) })),
    pareto: r.pareto.map((c) => ({ gpus: c.gpus, ttftMs: ms(c.ttftSec), layout: candidateJson(c).layout, variant: c.variant })),
    closest: r.closest ? json(r.closest) : null,
  };
}
