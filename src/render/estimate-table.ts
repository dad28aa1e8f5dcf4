import { usesMla } from '../model/layers.js';
import Table from './table.js';
import type { ChalkInstance } from 'chalk';
import type { EstimateResult } from '../model/estimate.js';
import { kvBytesPerTokenPerGpu } from '../model/kv-cache.js';
import { choiceSection } from './choice-section.js';
import { describeCollective, groupLinkName } from './collective-text.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { decodeSection } from './decode-section.js';
import { formatBytes, formatFlops, formatPercent, formatSeconds, plural } from './format.js';
import { VARIANT_LABEL, type SectionContext } from './sections.js';

/** The human-readable report of `cp-plan estimate`. Pure: returns the text. */
export function estimateToTable(r: EstimateResult, chalk: ChalkInstance, color: boolean): string {
  const ctx: SectionContext = { chalk, style: tableStyle(color) };
  const sections = [headerSection(r, ctx), prefillSection(r, ctx), choiceSection(r, ctx), decodeSection(r, ctx), memorySection(r, ctx)];
  return (
    sections
      .filter((s) => s.length > 0)
      .map((s) => s.join('\n'))
      .join('\n\n') + '\n'
  );
}

function headerSection(r: EstimateResult, { chalk }: SectionContext): string[] {
  const { model, cluster, workload, precision } = r;
  const newTokens = workload.contextTokens - workload.cachedTokens;
  return [
    chalk.bold(`${model.displayName} on ${cluster.name}`) +
      `: ${cluster.displayName}; engine ${cluster.engine.name}` +
      (cluster.scales.engine ? ' (calibrated here)' : ''),
    `Layout    ${describeLayout(r)}`,
    `Workload  ${plural(workload.contextTokens, 'token')} of context` +
      (workload.cachedTokens > 0
        ? ` (${plural(workload.cachedTokens, 'token')} cached, ${plural(newTokens, 'token')} new: miss rate ${formatPercent(newTokens / workload.contextTokens)})`
        : '') +
      ` x batch ${workload.batch}` +
      (r.prefill.chunks > 1
        ? `, prefilled in ${r.prefill.chunks} chunks of ${plural(r.prefill.chunkTokens ?? 0, 'token')} (engine ${cluster.engine.name})`
        : '') +
      `; weights ${precision.weights}, KV cache ${precision.kvDtype}` +
      ((precision.attentionDtype ?? 'bf16') === 'fp8' ? ', FP8 attention' : ''),
  ];
}

function prefillSection(r: EstimateResult, { chalk, style: tableStyle }: SectionContext): string[] {
  const { prefill } = r;
  const b = prefill.breakdown;
  const style = r.layout.cp > 1 ? (r.layout.cpStyle ?? 'ring') : null;
  const ring = style === 'ring';
  // Only a ring has steps, partial outputs to merge and two variants; all-gather and Ulysses have one collective.
  const cpComm: Record<string, string> = {
    ring: prefill.variant === 'pass-q' ? 'CP ring + All2All (exposed)' : 'CP ring SendRecv (exposed)',
    'all-gather': 'CP all-gather of K, V (exposed)',
    ulysses: 'CP All2All, heads <-> sequence (exposed)',
    hierarchical: 'CP All2All in a domain + ring across (exposed)',
  };
  const rows: [string, number][] = [
    ['GEMMs (QKV/O, FFN)', b.gemmSec],
    [ring ? 'Attention (causal, ring steps)' : 'Attention (causal)', b.attentionSec],
    ...(ring ? [['Merge of ring partial outputs', b.mergeSec] as [string, number]] : []),
    ['TP AllReduce (exposed)', b.tpCommSec],
    ...(style ? [[cpComm[style]!, b.cpCommExposedSec] as [string, number]] : []),
    ...(r.layout.ep > 1 ? [['EP All2All (dispatch, combine)', b.epCommSec] as [string, number]] : []),
    ['LM head (last token)', b.lmHeadSec],
    ['Engine overhead (per token and layer)', b.overheadSec],
  ];
  const head = ring ? `Prefill, ${VARIANT_LABEL[prefill.variant]}` : style ? `Prefill, ${style} CP (no ring)` : 'Prefill, no CP (no ring)';
  const time = new Table({ head: [head, 'Time', 'Share'], colAligns: ['left', 'right', 'right'], style: tableStyle, chars: COMPACT_CHARS });
  for (const [label, sec] of rows) time.push([label, formatSeconds(sec), formatPercent(sec / prefill.ttftSec)]);
  time.push([chalk.bold('TTFT'), chalk.bold(formatSeconds(prefill.ttftSec)), '100.0%']);
  const lines = [time.toString()];
  if (ring) {
    lines.push(
      `Ring: ${prefill.ring.steps} steps per layer; per step ${formatSeconds(prefill.ring.stepComputeSec)} compute vs ` +
        `${formatSeconds(prefill.ring.stepSendRecvSec)} SendRecv of ${formatBytes(prefill.ring.messageBytes)} ` +
        `(${prefill.ring.exposedSec > 0 ? 'communication exposed' : 'hidden'})`,
    );
  }
  lines.push(
    `MFU ${formatPercent(prefill.mfu)} of dtype peak; ${formatFlops(prefill.achievedFlopsPerSecPerGpu)}/s per GPU achieved ` +
      `(${formatFlops(prefill.flops.total)} of useful work)`,
  );
  return lines;
}

function memorySection(r: EstimateResult, { chalk, style }: SectionContext): string[] {
  const { model, layout, workload, precision, memory } = r;
  const m = memory.perGpu;
  const kvPerToken = kvBytesPerTokenPerGpu(model, layout, precision.kvDtype);
  const mem = new Table({ head: ['Memory per GPU', 'Bytes', 'Detail'], colAligns: ['left', 'right', 'left'], style, chars: COMPACT_CHARS });
  mem.push(['Weights', formatBytes(m.weightsBytes), `TP${layout.tp}${layout.ep > 1 ? `/EP${layout.ep}` : ''} shard, ${precision.weights}`]);
  // Growing (full-attention) KV per token; bounded windows and linear states are a fixed extra per sequence.
  const growing = memory.tokensPerGpu * workload.batch * kvPerToken;
  const fixed = m.kvCacheBytes - growing;
  mem.push([
    'KV cache',
    formatBytes(m.kvCacheBytes),
    `${plural(memory.tokensPerGpu * workload.batch, 'token')} x ${formatBytes(kvPerToken)}` +
      (fixed > 0.5 ? ` + ${formatBytes(fixed)} windows/states` : '') +
      (layout.dcp > 1 ? ` (DCP${layout.dcp})` : ''),
  ]);
  mem.push([
    'Activations (prefill peak)',
    formatBytes(m.activationBytes),
    workload.prefillChunkTokens ? `one layer of one ${plural(workload.prefillChunkTokens, 'token')} chunk` : 'one layer in flight',
  ]);
  mem.push(['Runtime reserve', formatBytes(m.reserveBytes), 'context, comm buffers']);
  const verdict = memory.fits ? chalk.green('fits') : chalk.red('DOES NOT FIT');
  mem.push([
    chalk.bold('Total'),
    chalk.bold(formatBytes(m.totalBytes)),
    `${formatPercent(m.totalBytes / m.capacityBytes)} of ${formatBytes(m.capacityBytes)}: ${verdict}`,
  ]);
  return [
    mem.toString(),
    `KV capacity: ${plural(memory.kvCapacityTokensPerGpu, 'token')} per GPU next to weights and reserve, ` +
      `${plural(memory.kvCapacityContextTokens, 'token')} of context over CP${layout.cp}` +
      (layout.cpStyle === 'all-gather' && layout.cp > 1 ? ' (all-gather: every rank holds the whole context)' : '') +
      (layout.dcp > 1 ? ` x DCP${layout.dcp}` : '') +
      `. Largest full-prefill context at batch ${workload.batch}: ${plural(memory.maxContextTokens, 'token')}; ` +
      `largest batch of this workload: ${memory.maxBatch}; concurrent sequences of this context (continuous batching, one ` +
      `${workload.prefillChunkTokens ? `${plural(workload.prefillChunkTokens, 'token')} prefill chunk` : 'whole prefill'} in flight): ${memory.maxConcurrentSequences}`,
  ];
}

function describeLayout(r: EstimateResult): string {
  const { layout, cluster } = r;
  const g = layout.groups;
  const tpWhere =
    layout.tp === 1
      ? 'no TP'
      : g.tp.domains > 1
        ? `TP${layout.tp} across ${g.tp.domains} NVLink domains (all-reduce: ${describeCollective(r.prefill.tpAllReduce)}, ${plural(Math.round((g.tp.perDomain * cluster.nicsPerNode) / cluster.gpusPerNode), 'NIC')} per domain)`
        : `TP${layout.tp} in one NVLink domain (${cluster.scaleUp.name})`;
  const cpWhere =
    layout.cp === 1
      ? 'no CP (no ring)'
      : `CP${layout.cp} ${layout.cpStyle === 'all-gather' ? 'all-gather (K, V gathered per layer)' : layout.cpStyle === 'ulysses' ? 'Ulysses (All2All to head shards and back)' : layout.cpStyle === 'hierarchical' ? `hierarchical (Ulysses over ${g.cp.perDomain} in a domain, ring across ${layout.cp / g.cp.perDomain})` : 'ring'} over ${groupLinkName(g.cp, cluster)}`;
  const replication =
    layout.kvReplication > 1
      ? usesMla(r.model)
        ? `; MLA latent whole on each TP rank (${layout.kvReplication}x)`
        : `; KV heads replicated ${layout.kvReplication}x`
      : '';
  const ep = layout.ep > 1 ? `; EP${layout.ep} (${r.model.moe!.experts / layout.ep} experts per GPU)` : '';
  const dcp = layout.dcp > 1 ? `; DCP${layout.dcp}` : '';
  const gpus =
    layout.gpus === layout.nodes * layout.gpusPerNode
      ? `${layout.nodes} node(s) x ${layout.gpusPerNode} GPUs = ${layout.gpus} GPUs`
      : `${layout.gpus} GPUs on ${layout.nodes} node(s) of ${layout.gpusPerNode}`;
  return `${gpus}; ${tpWhere}, ${cpWhere}${replication}${dcp}${ep}`;
}
