import Table from './table.js';
import type { EstimateResult } from '../model/estimate.js';
import type { CpStyle } from '../model/types.js';
import { COMPACT_CHARS } from './color.js';
import { formatPercent, formatSeconds } from './format.js';
import type { SectionContext } from './sections.js';

/** The decode row of each CP style's communication (all-gather has none: its decode runs on one TP group). */
const DECODE_CP_LABEL: Record<Exclude<CpStyle, 'all-gather'>, string> = {
  ring: 'CP ring pass-Q (SendRecv, All2All, merge, sync)',
  ulysses: 'CP Ulysses All2All (queries in, outputs back)',
  hierarchical: 'CP All2All in a domain + ring pass-Q across',
};

/** The decode (TTIT) breakdown and throughput. */
export function decodeSection(r: EstimateResult, { chalk, style }: SectionContext): string[] {
  const d = r.decode;
  const b = d.breakdown;
  const rows: [string, number][] = [
    ['GEMMs (weight reads)', b.gemmSec],
    ['Attention (KV reads)', b.attentionSec],
    ['TP AllReduce', b.tpCommSec],
    ...(r.layout.cp > 1 && r.layout.cpStyle !== 'all-gather'
      ? [
          [
            d.ring.steps === 1 && d.ring.headShards === 1
              ? 'CP (none: heads replicated, each rank has the whole KV)'
              : DECODE_CP_LABEL[(r.layout.cpStyle ?? 'ring') as Exclude<CpStyle, 'all-gather'>],
            b.cpCommSec,
          ] as [string, number],
        ]
      : []),
    ...(r.layout.dcp > 1 ? [['DCP query gather, output reduce', b.dcpCommSec] as [string, number]] : []),
    ...(r.layout.ep > 1 ? [['EP All2All (dispatch, combine)', b.epCommSec] as [string, number]] : []),
    ['LM head', b.lmHeadSec],
    ['Engine overhead (per layer and step)', b.overheadSec],
  ];
  const table = new Table({ head: ['Decode, per token', 'Time', 'Share'], colAligns: ['left', 'right', 'right'], style, chars: COMPACT_CHARS });
  for (const [label, sec] of rows) table.push([label, formatSeconds(sec), formatPercent(sec / d.ttitSec)]);
  table.push([chalk.bold('TTIT'), chalk.bold(formatSeconds(d.ttitSec)), '100.0%']);
  const padded = d.paddedBatch !== r.workload.batch ? ` (padded to ${d.paddedBatch} for CP${r.layout.cp})` : '';
  const lines = [
    table.toString(),
    `${d.tokensPerSecondPerSequence.toFixed(1)} tokens/s per sequence, ${d.tokensPerSecondAggregate.toFixed(1)} tokens/s aggregate at batch ${r.workload.batch}${padded}`,
  ];
  if (r.layout.cp > 1 && r.layout.cpStyle === 'all-gather') {
    lines.push(
      `All-gather CP leaves the whole KV on every rank: a sequence decodes on one TP${r.layout.tp} group, as without CP (the CP${r.layout.cp} ranks add no decode step)`,
    );
  } else if (r.layout.cp > 1) {
    const ratio = d.ttitSec / r.decodeCp1.ttitSec;
    const versus = `CP${r.layout.cp} decode takes ${ratio.toFixed(2)}x the TTIT of TP${r.layout.tp} without CP (${formatSeconds(r.decodeCp1.ttitSec)})`;
    if (!r.cp1Fits) lines.push(`${versus}, but TP${r.layout.tp} alone cannot hold this workload, so decode needs the CP ranks' memory`);
    else if (ratio > 1) lines.push(`${versus}: CP is for prefill; decode on TP${r.layout.tp} alone (disaggregated serving) if latency matters`);
    else lines.push(`${versus}: here CP also speeds decode, because the KV reads dominate`);
  }
  return lines;
}
