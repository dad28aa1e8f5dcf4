import Table from './table.js';
import type { ChalkInstance } from 'chalk';
import type { Distribution, ServingSummary } from '../serving/metrics.js';
import type { ServeResult } from '../serving/serve.js';
import { COMPACT_CHARS } from './color.js';
import { formatInt, formatPercent, formatSeconds, plural, round } from './format.js';

export interface ServeHeader {
  title: string;
  traffic: string;
  sloText: string;
}

const ms = (sec: number) => (Number.isFinite(sec) ? round(sec * 1e3, 3) : null);
const dist = (d: Distribution) => ({ meanMs: ms(d.meanSec), p50Ms: ms(d.p50Sec), p90Ms: ms(d.p90Sec), p99Ms: ms(d.p99Sec) });
const num = (x: number, digits = 3) => (Number.isFinite(x) ? round(x, digits) : null);
const sec = (x: number) => (Number.isFinite(x) ? formatSeconds(x) : '-');

/** The JSON of a serving run (the caller adds schemaVersion, generator, inputs). */
export function serveJson(r: ServeResult, saturationRequestsPerSec: number | null) {
  const s: ServingSummary = r.summary;
  return {
    deployment: {
      replicas: r.replicas,
      gpusPerReplica: r.layout.gpus,
      gpus: r.gpus,
      tp: r.layout.tp,
      dcp: r.layout.dcp,
      ep: r.layout.ep,
      prefillChunkTokens: r.chunkTokens,
      maxRunningSequences: r.maxRunning,
      kvCapacityTokensPerReplica: r.kvCapacityTokensPerReplica,
    },
    results: {
      requests: s.requests,
      served: s.served,
      rejected: s.rejected,
      makespanMs: ms(s.makespanSec),
      requestsPerSecond: num(s.requestsPerSec, 4),
      inputTokensPerSecond: num(s.inputTokensPerSec, 1),
      outputTokensPerSecond: num(s.outputTokensPerSec, 1),
      outputTokensPerSecondPerGpu: num(s.outputTokensPerSecPerGpu, 1),
      ttft: dist(s.ttft),
      ttit: dist(s.ttit),
      e2e: dist(s.e2e),
      goodputRequestsPerSecond: num(s.goodputRequestsPerSec, 4),
      sloAttainment: num(s.sloAttainment, 4),
      kvUtilisation: num(s.kvUtilisation, 4),
      busyFraction: num(s.busyFraction, 4),
      peakQueue: s.peakQueue,
      saturated: s.saturated,
      saturationRequestsPerSecond: saturationRequestsPerSec === null ? null : num(saturationRequestsPerSec, 4),
    },
    cost: r.cost && {
      pricePerGpuHourUsd: r.cost.pricePerGpuHourUsd,
      perHourUsd: num(r.cost.perHourUsd, 2),
      perMillionInputTokensUsd: num(r.cost.perMillionInputTokensUsd, 4),
      perMillionOutputTokensUsd: num(r.cost.perMillionOutputTokensUsd, 4),
    },
  };
}

export function serveTable(r: ServeResult, header: ServeHeader, saturation: number | null, chalk: ChalkInstance, color: boolean): string {
  const s = r.summary;
  const style = { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] };
  const lines = [
    chalk.bold(header.title),
    `Fleet     ${r.replicas} replica(s) x ${r.layout.gpus} GPUs (TP${r.layout.tp}${r.layout.dcp > 1 ? ` DCP${r.layout.dcp}` : ''}${r.layout.ep > 1 ? ` EP${r.layout.ep}` : ''}) = ${plural(r.gpus, 'GPU')}; ` +
      `prefill chunk ${r.chunkTokens === null ? 'none (whole prompts)' : plural(r.chunkTokens, 'token')}, ` +
      `at most ${r.maxRunning === null ? 'what KV holds' : formatInt(r.maxRunning)} running per replica, KV for ${plural(r.kvCapacityTokensPerReplica, 'token')} per replica`,
    `Traffic   ${header.traffic}`,
    '',
  ];
  const lat = new Table({
    head: ['Latency', 'mean', 'p50', 'p90', 'p99'],
    colAligns: ['left', 'right', 'right', 'right', 'right'],
    style,
    chars: COMPACT_CHARS,
  });
  const row = (label: string, d: Distribution) => lat.push([label, sec(d.meanSec), sec(d.p50Sec), sec(d.p90Sec), sec(d.p99Sec)]);
  row('TTFT', s.ttft);
  row('TTIT (per request, after the first token)', s.ttit);
  row('End to end', s.e2e);
  lines.push(lat.toString());
  const t = new Table({ head: ['Throughput', 'Value'], colAligns: ['left', 'right'], style, chars: COMPACT_CHARS });
  t.push([
    'Requests served',
    `${formatInt(s.served)} of ${formatInt(s.requests)}${s.rejected ? ` (${formatInt(s.rejected)} too large for a replica's KV)` : ''}`,
  ]);
  t.push(['Requests/s', s.requestsPerSec.toFixed(3)]);
  t.push(['Input tokens/s', formatInt(Math.round(s.inputTokensPerSec))]);
  t.push(['Output tokens/s', `${formatInt(Math.round(s.outputTokensPerSec))} (${formatInt(Math.round(s.outputTokensPerSecPerGpu))} per GPU)`]);
  t.push([`Goodput (${header.sloText})`, `${s.goodputRequestsPerSec.toFixed(3)} requests/s, ${formatPercent(s.sloAttainment)} of requests`]);
  t.push(['KV cache in use (time average)', formatPercent(s.kvUtilisation)]);
  t.push(['GPUs busy', formatPercent(s.busyFraction)]);
  t.push(['Most requests waiting at once', formatInt(s.peakQueue)]);
  if (saturation !== null) t.push(['Saturates at (all replicas full)', `${saturation.toFixed(3)} requests/s`]);
  if (r.cost) {
    t.push(['Cost', `$${r.cost.perHourUsd.toFixed(2)}/hour at $${r.cost.pricePerGpuHourUsd}/GPU-hour`]);
    t.push([
      'Cost per million tokens',
      `$${r.cost.perMillionOutputTokensUsd.toFixed(3)} output, $${r.cost.perMillionInputTokensUsd.toFixed(3)} input (whole fleet each)`,
    ]);
  }
  lines.push(t.toString());
  if (s.saturated) lines.push(chalk.yellow('Saturated: requests were still queueing when the last one arrived; the rate is beyond what this fleet sustains.'));
  lines.push('Method: deterministic discrete-event simulation of continuous batching (seeded), step times from the decode and prefill models.');
  return lines.join('\n');
}
