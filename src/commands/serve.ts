import { quoted } from '../render/quote.js';
import { EXIT_CHECK_FAILED, EXIT_OK, InputError } from '../errors.js';
import { checkDcpRuns, contextWarning } from '../model/estimate.js';
import type { AttentionDtype, KvDtype, WeightRecipe } from '../model/types.js';
import { readTextFile, readYamlFile } from '../presets/read-yaml.js';
import { colorEnabled, makeChalk } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatInt, formatSeconds, round } from '../render/format.js';
import { documentHead, presetsJson, presetsLine } from '../render/provenance.js';
import { serveJson, serveTable } from '../render/serve-report.js';
import { assertRepresentable } from '../representable.js';
import { traceLineSchema, workloadFileSchema } from '../schema/workload.js';
import { saturationRate, serve } from '../serving/serve.js';
import { fromRows, generateRequests, meanLength, type Arrivals, type RequestClass, type Requests, type TrafficSpec } from '../serving/traffic.js';
import type { CommandContext, CommandResult } from './result.js';
import { chunkFlag, loadInputs } from './workload-options.js';

export interface ServeOptions {
  model: string;
  cluster: string;
  engine?: string;
  weights?: WeightRecipe;
  kvDtype?: KvDtype;
  attentionDtype?: AttentionDtype;
  gpus?: number;
  nodes?: number;
  tp?: number;
  dcp: number;
  ep: number;
  isl?: number;
  osl?: number;
  rate?: number;
  concurrency?: number;
  requests?: number;
  seed?: number;
  arrival: 'poisson' | 'constant';
  hitRate?: number;
  workload?: string;
  trace?: string;
  /** 0: none. */
  prefillChunk?: number;
  maxRunning?: number;
  maxTtft?: number;
  maxTtit?: number;
  pricePerGpuHour?: number;
  json: boolean;
  color: boolean;
}

/** Trace files larger than this are refused (10^6 requests of about 60 bytes). */
const MAX_TRACE_BYTES = 64 * 1024 * 1024;

export async function runServe(opts: ServeOptions, ctx: CommandContext): Promise<CommandResult> {
  const sources = [opts.workload !== undefined, opts.trace !== undefined, opts.isl !== undefined || opts.osl !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new InputError('give the traffic one way: --isl and --osl (with --rate or --concurrency), --workload FILE, or --trace FILE');
  // Flags that a workload file or a trace would silently override: refused, not ignored.
  const given = (names: [string, unknown][]) => names.filter(([, v]) => v !== undefined).map(([n]) => n);
  const extra =
    opts.trace !== undefined
      ? given([
          ['--rate', opts.rate],
          ['--concurrency', opts.concurrency],
          ['--requests', opts.requests],
          ['--hit-rate', opts.hitRate],
          ['--seed', opts.seed],
        ])
      : opts.workload !== undefined
        ? given([
            ['--rate', opts.rate],
            ['--concurrency', opts.concurrency],
            ['--hit-rate', opts.hitRate],
          ])
        : [];
  if (extra.length)
    throw new InputError(
      `${extra.join(', ')}: the ${opts.trace !== undefined ? 'trace' : 'workload file'} says this; drop ${extra.length > 1 ? 'them' : 'it'} or edit the file`,
    );
  for (const [flag, v] of [
    ['--isl', opts.isl],
    ['--osl', opts.osl],
  ] as const) {
    if (v !== undefined && v > 1e9) throw new InputError(`${flag}: over a billion tokens per request; give a smaller count`);
  }
  if (opts.requests !== undefined && opts.requests > 10_000_000) throw new InputError('--requests: at most 10,000,000 requests per simulation');
  const { model, cluster, precision } = await loadInputs(opts);
  const spec = cluster.spec;
  const fleet = opts.gpus ?? (opts.nodes ?? 1) * spec.gpusPerNode;
  if (fleet > spec.maxNodes * spec.gpusPerNode) {
    throw new InputError(
      `--gpus ${fleet}: cluster '${spec.name}' has at most ${spec.maxNodes * spec.gpusPerNode} GPUs (${spec.maxNodes} nodes x ${spec.gpusPerNode}); use fewer GPUs or a cluster file with a larger maxNodes`,
    );
  }
  const tp = opts.tp ?? Math.min(fleet, spec.gpusPerNode);
  if (fleet % tp !== 0) throw new InputError(`--gpus ${fleet} is not a whole number of TP${tp} replicas; use a multiple of ${tp}`);
  const replicas = fleet / tp;
  checkDcpRuns(spec, opts.dcp);

  const { requests, concurrency, traffic, describe } = trafficFrom(opts);
  const slo = { maxTtftSec: opts.maxTtft, maxTtitSec: opts.maxTtit };
  const price = opts.pricePerGpuHour ?? spec.price?.perGpuHourUsd ?? null;
  const input = {
    model: model.spec,
    cluster: spec,
    precision,
    replica: { gpus: tp, tp, dcp: opts.dcp, ep: opts.ep },
    replicas,
    requests,
    concurrency,
    chunkTokens: chunkFlag(opts.prefillChunk),
    maxRunning: opts.maxRunning,
    slo,
    pricePerGpuHourUsd: price,
  };
  const progress = requests.count >= 20_000 ? await ctx.progress?.(`simulating ${formatInt(requests.count)} requests`) : undefined;
  let result: ReturnType<typeof serve>;
  let saturation: number | null = null;
  try {
    result = serve(input);
    if (traffic) saturation = saturationRate(input, traffic, result);
    // Open loop beyond the fleet's capacity is saturation even when the run is too short for the queue to show it.
    const span = requests.count > 1 ? requests.arrivalSec[requests.count - 1]! - requests.arrivalSec[0]! : 0;
    if (concurrency === null && saturation !== null && span > 0 && (requests.count - 1) / span > 1.05 * saturation) result.summary.saturated = true;
  } finally {
    progress?.stop();
  }
  const stderr: string[] = [];
  let longest = 0;
  for (let i = 0; i < requests.count; i++) longest = Math.max(longest, requests.inputTokens[i]! + requests.outputTokens[i]!);
  const beyond = contextWarning(model.spec, longest);
  if (beyond) stderr.push(`warning: ${beyond}`);
  if (price === null) stderr.push(`note: no price for ${spec.name}; give --price-per-gpu-hour for cost`);
  if (result.kvCapacityTokensPerReplica === 0) {
    throw new InputError(
      `the weights, reserve and one chunk's activations leave no room for KV on a TP${tp} replica of ${spec.name}; use a larger --tp, FP8 or 4-bit --weights, or a GPU with more memory`,
    );
  }
  if (result.summary.served === 0) {
    throw new InputError(
      `every request needs more KV than one replica holds (${result.kvCapacityTokensPerReplica} tokens); use a larger --tp, more GPUs per replica, --kv-dtype fp8 or shorter requests`,
    );
  }
  if (result.summary.rejected > 0) stderr.push(`warning: ${result.summary.rejected} request(s) need more KV than one replica holds and were refused`);
  const s = result.summary;
  const missed = (opts.maxTtft !== undefined || opts.maxTtit !== undefined) && s.sloAttainment < 1;
  if (missed) stderr.push(`check failed: ${((1 - s.sloAttainment) * 100).toFixed(1)}% of requests miss the SLOs`);
  const exitCode = missed || s.saturated ? EXIT_CHECK_FAILED : EXIT_OK;
  if (s.saturated && !missed) stderr.push('check failed: saturated: the queue was still growing when the last request arrived');
  const sloText =
    [opts.maxTtft !== undefined ? `TTFT <= ${formatSeconds(opts.maxTtft)}` : '', opts.maxTtit !== undefined ? `TTIT <= ${formatSeconds(opts.maxTtit)}` : '']
      .filter(Boolean)
      .join(', ') || 'no SLO given: every served request';
  if (opts.json) {
    const doc = {
      ...documentHead(ctx.version, SCHEMA_VERSION, model, cluster),
      precision,
      traffic: { description: describe, requests: requests.count, closedLoopConcurrency: concurrency, seed: traffic?.seed ?? null },
      slo: {
        maxTtftMs: opts.maxTtft === undefined ? null : round(opts.maxTtft * 1e3, 3),
        maxTtitMs: opts.maxTtit === undefined ? null : round(opts.maxTtit * 1e3, 3),
      },
      method: 'deterministic discrete-event simulation of continuous batching (seeded); step times from the decode and prefill models',
      ...serveJson(result, saturation),
      presets: presetsJson(model, cluster),
      warnings: stderr.filter((l) => l.startsWith('warning: ')).map((l) => l.slice('warning: '.length)),
    };
    assertRepresentable(doc);
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr, exitCode };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const title = `${model.spec.displayName} on ${spec.name}, engine ${spec.engine.name}; weights ${precision.weights}, KV cache ${precision.kvDtype}`;
  return {
    stdout:
      serveTable(result, { title: quoted(title), traffic: describe, sloText }, saturation, makeChalk(color), color) +
      '\n' +
      presetsLine(quoted(model), quoted(cluster)) +
      '\n',
    stderr,
    exitCode,
  };
}

/** The requests to simulate, from flags, a workload file or a trace; the spec to re-draw them at saturation. */
function trafficFrom(opts: ServeOptions): {
  requests: Requests;
  concurrency: number | null;
  traffic: Omit<TrafficSpec, 'arrivals' | 'requests'> | null;
  describe: string;
} {
  if (opts.trace !== undefined) return readTrace(opts.trace);
  let classes: RequestClass[];
  let arrivals: Arrivals;
  let count: number;
  let seed: number;
  if (opts.workload !== undefined) {
    const w = readYamlFile(opts.workload, opts.workload, workloadFileSchema).data;
    classes = w.classes.map((c) => ({
      weight: c.weight,
      inputTokens: c.inputTokens,
      outputTokens: c.outputTokens,
      hitRate: c.hitRate,
      turns: c.turns,
      thinkSec: c.think ?? 0,
    }));
    arrivals = w.concurrency !== undefined ? { kind: 'closed', concurrency: w.concurrency } : { kind: w.arrival, ratePerSec: w.rate! };
    count = opts.requests ?? w.requests;
    seed = opts.seed ?? w.seed;
  } else {
    if (opts.isl === undefined || opts.osl === undefined) throw new InputError('--isl and --osl go together: give both (input and output tokens per request)');
    if ((opts.rate === undefined) === (opts.concurrency === undefined))
      throw new InputError('give --rate (open loop, e.g. 2/s) or --concurrency N (closed loop), not both and not neither');
    const hit = opts.hitRate ?? 0;
    if (hit < 0 || hit >= 1) throw new InputError('--hit-rate: must be in [0, 100%)');
    classes = [{ weight: 1, inputTokens: opts.isl, outputTokens: opts.osl, hitRate: hit, turns: 1, thinkSec: 0 }];
    arrivals = opts.concurrency !== undefined ? { kind: 'closed', concurrency: opts.concurrency } : { kind: opts.arrival, ratePerSec: opts.rate! };
    count = opts.requests ?? 1000;
    seed = opts.seed ?? 1;
  }
  const requests = generateRequests({ classes, arrivals, requests: count, seed });
  const mix = classes
    .map(
      (c) =>
        `${formatInt(Math.round(meanLength(c.inputTokens)))} in / ${formatInt(Math.round(meanLength(c.outputTokens)))} out${c.hitRate ? `, ${Math.round(c.hitRate * 100)}% cached` : ''}${c.turns > 1 ? `, ${c.turns} turns` : ''}`,
    )
    .join('; ');
  const how =
    arrivals.kind === 'closed'
      ? `${arrivals.concurrency} concurrent clients (closed loop)`
      : `${arrivals.kind} arrivals at ${arrivals.ratePerSec.toPrecision(3)}/s`;
  return {
    requests,
    concurrency: arrivals.kind === 'closed' ? arrivals.concurrency : null,
    traffic: { classes, seed },
    describe: `${formatInt(count)} requests of ${mix}, ${how}, seed ${seed}`,
  };
}

function readTrace(file: string) {
  const text = readTextFile(file, file, MAX_TRACE_BYTES);
  const arrival: number[] = [];
  const input: number[] = [];
  const cached: number[] = [];
  const output: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new InputError(`${file}:${i + 1}: not a JSON object; each line is {"arrival": seconds, "input": tokens, "cached": tokens, "output": tokens}`);
    }
    const r = traceLineSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new InputError(`${file}:${i + 1}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    }
    if (r.data.cached >= r.data.input) throw new InputError(`${file}:${i + 1}: cached must be below input (at least one new token)`);
    arrival.push(r.data.arrival);
    input.push(r.data.input);
    cached.push(r.data.cached);
    output.push(r.data.output);
  });
  if (arrival.length === 0) throw new InputError(`${file}: no requests (one JSON object per line)`);
  const requests = fromRows(arrival, input, cached, output);
  return { requests, concurrency: null, traffic: null, describe: `${formatInt(requests.count)} requests replayed from ${file}` };
}
