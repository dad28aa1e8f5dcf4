import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { EstimateResult } from '../model/estimate.js';
import { kvBytesPerTokenPerGpu } from '../model/kv-cache.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { formatBytes, formatFlops, formatInt, formatPercent, formatSeconds, plural } from './format.js';

const VARIANT_LABEL = { 'pass-kv': 'pass-KV', 'pass-q': 'pass-Q' } as const;

/** The human-readable report of `cp-plan estimate`. Pure: returns the text. */
export function estimateToTable(r: EstimateResult, chalk: ChalkInstance, color: boolean): string {
  const { model, cluster, layout, workload, precision, prefill, memory } = r;
  const style = tableStyle(color);
  const lines: string[] = [];

  const newTokens = workload.contextTokens - workload.cachedTokens;
  lines.push(chalk.bold(`${model.displayName} on ${cluster.name}`) + `: ${cluster.displayName}`);
  lines.push(`Layout    ${describeLayout(r)}`);
  lines.push(
    `Workload  ${plural(workload.contextTokens, 'token')} of context` +
      (workload.cachedTokens > 0 ? ` (${formatInt(workload.cachedTokens)} cached, ${formatInt(newTokens)} new)` : '') +
      ` x batch ${workload.batch}; weights ${precision.weights}, KV cache ${precision.kvDtype}`,
  );
  lines.push('');

  const b = prefill.breakdown;
  const rows: [string, number][] = [
    ['GEMMs (QKV/O, FFN)', b.gemmSec],
    ['Attention (causal, ring steps)', b.attentionSec],
    ['Merge of ring partial outputs', b.mergeSec],
    ['TP AllReduce (exposed)', b.tpCommSec],
    [prefill.variant === 'pass-q' ? 'CP ring + All2All (exposed)' : 'CP ring SendRecv (exposed)', b.cpCommExposedSec],
    ['LM head (last token)', b.lmHeadSec],
    ['Serial overhead (per context token)', b.overheadSec],
  ];
  const time = new Table({ head: ['Prefill', 'Time', 'Share'], colAligns: ['left', 'right', 'right'], style, chars: COMPACT_CHARS });
  for (const [label, sec] of rows) time.push([label, formatSeconds(sec), formatPercent(sec / prefill.ttftSec)]);
  time.push([chalk.bold('TTFT'), chalk.bold(formatSeconds(prefill.ttftSec)), '100.0%']);
  lines.push(time.toString());

  const other = prefill.variant === 'pass-kv' ? 'pass-q' : 'pass-kv';
  lines.push(
    `Ring ${VARIANT_LABEL[prefill.variant]}` +
      (layout.cp > 1
        ? `: ${prefill.ring.steps} steps per layer; per step ${formatSeconds(prefill.ring.stepComputeSec)} compute vs ` +
          `${formatSeconds(prefill.ring.stepSendRecvSec)} SendRecv of ${formatBytes(prefill.ring.messageBytes)} ` +
          `(${prefill.ring.exposedSec > 0 ? 'communication exposed' : 'hidden'}); ` +
          `${VARIANT_LABEL[other]} would take ${formatSeconds(r.variants[other].ttftSec)}`
        : ': none (CP1)'),
  );
  lines.push(
    `MFU ${formatPercent(prefill.mfu)} of dtype peak; ${formatFlops(prefill.achievedFlopsPerSecPerGpu)}/s per GPU achieved ` +
      `(${formatFlops(prefill.flops.total)} of useful work)`,
  );
  lines.push('');

  const m = memory.perGpu;
  const kvPerToken = kvBytesPerTokenPerGpu(model, layout, precision.kvDtype);
  const mem = new Table({ head: ['Memory per GPU', 'Bytes', 'Detail'], colAligns: ['left', 'right', 'left'], style, chars: COMPACT_CHARS });
  mem.push(['Weights', formatBytes(m.weightsBytes), `TP${layout.tp} shard, ${precision.weights}`]);
  mem.push([
    'KV cache',
    formatBytes(m.kvCacheBytes),
    `${plural(memory.tokensPerGpu * workload.batch, 'token')} x ${formatBytes(kvPerToken)}`,
  ]);
  mem.push(['Activations (prefill peak)', formatBytes(m.activationBytes), 'one layer in flight']);
  mem.push(['Runtime reserve', formatBytes(m.reserveBytes), 'context, comm buffers']);
  const verdict = memory.fits ? chalk.green('fits') : chalk.red('DOES NOT FIT');
  mem.push([
    chalk.bold('Total'),
    chalk.bold(formatBytes(m.totalBytes)),
    `${formatPercent(m.totalBytes / m.capacityBytes)} of ${formatBytes(m.capacityBytes)}: ${verdict}`,
  ]);
  lines.push(mem.toString());
  lines.push(`Largest context that fits this layout at batch ${workload.batch}: ${plural(memory.maxContextTokens, 'token')}`);
  return lines.join('\n') + '\n';
}

function describeLayout(r: EstimateResult): string {
  const { layout, cluster } = r;
  const tpWhere = layout.tp === 1 ? 'no TP' : `TP${layout.tp} ${layout.tpSpansNodes ? `across nodes (${cluster.scaleOut.name})` : `in-node (${cluster.scaleUp.name})`}`;
  const cpWhere =
    layout.cp === 1 ? 'no CP' : `CP${layout.cp} ring over ${layout.cpRingCrossesNodes ? cluster.scaleOut.name : cluster.scaleUp.name}`;
  const replication = layout.kvReplication > 1 ? `; KV heads replicated ${layout.kvReplication}x` : '';
  return `${layout.nodes} node(s) x ${layout.gpusPerNode} GPUs = ${layout.gpus} GPUs; ${tpWhere}, ${cpWhere}${replication}`;
}
