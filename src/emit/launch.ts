import type { EstimateResult } from '../model/estimate.js';

/** A launch command for one engine version, with every flag it uses (checked against that version's parser). */
export interface LaunchCommand {
  engine: 'vllm' | 'sglang';
  /** The engine version the flag list was read from. */
  version: string;
  /** One line, ready to paste (multi-node launches say what to run on the other nodes in `notes`). */
  command: string;
  /** The flags used, each present in the version's flag list. */
  flags: string[];
  /** What the command cannot say (a weight recipe with no flag, the nodes to start). */
  notes: string[];
}

/** What the emitter needs from an engine's flag list (presets/engines/flags/ENGINE.yaml). */
export interface FlagList {
  engine: string;
  version: string;
  source: string;
  flags: string[];
}

/**
 * The command that deploys an estimate's layout on vLLM or SGLang: parallel sizes, CP and DCP, EP, KV-cache
 * dtype, context length, memory fraction and prefill chunk. Every flag must be in `list` (the version's
 * argument parser): a flag missing there is an error, never emitted. Pure.
 */
export function launchCommand(engine: 'vllm' | 'sglang', r: EstimateResult, list: FlagList): LaunchCommand {
  const model = r.model.huggingFace ?? r.model.name;
  const lo = r.layout;
  const e = r.cluster.engine;
  const notes: string[] = [];
  const args: [string, string | null][] = [];
  const chunk = r.workload.prefillChunkTokens ?? null;
  const fp8Weights = r.precision.weights === 'fp8';
  if (r.precision.weights !== 'bf16' && !fp8Weights) notes.push(`weights ${r.precision.weights}: load a checkpoint quantised that way (no flag sets it)`);
  if (lo.cp > 1 && lo.cpStyle !== 'all-gather') notes.push(`CP style ${lo.cpStyle ?? 'ring'} is not ${engine}'s; the command uses its prefill CP (all-gather)`);
  if (engine === 'vllm') {
    args.push(['--tensor-parallel-size', String(lo.tp)]);
    if (lo.cp > 1) args.push(['--prefill-context-parallel-size', String(lo.cp)]);
    if (lo.dcp > 1) args.push(['--decode-context-parallel-size', String(lo.dcp)]);
    if (lo.ep > 1) args.push(['--enable-expert-parallel', null]);
    if (fp8Weights) args.push(['--quantization', 'fp8']);
    if (r.precision.kvDtype === 'fp8') args.push(['--kv-cache-dtype', 'fp8']);
    args.push(['--max-model-len', String(r.workload.contextTokens)]);
    args.push(['--gpu-memory-utilization', String(e.gpuMemoryUtilization)]);
    if (chunk !== null) args.push(['--max-num-batched-tokens', String(chunk)]);
    if (lo.nodes > 1) notes.push(`${lo.nodes} nodes: start a Ray cluster over them first (vLLM's multi-node serving), then run this on the head node`);
  } else {
    args.push(['--model-path', model]);
    args.push(['--tp-size', String(lo.tp)]);
    if (lo.cp > 1) args.push(['--enable-prefill-cp', null], ['--attn-cp-size', String(lo.cp)]);
    if (lo.dcp > 1) args.push(['--dcp-size', String(lo.dcp)]);
    if (lo.ep > 1) args.push(['--ep-size', String(lo.ep)]);
    if (fp8Weights) args.push(['--quantization', 'fp8']);
    if (r.precision.kvDtype === 'fp8') args.push(['--kv-cache-dtype', 'fp8_e4m3']);
    args.push(['--context-length', String(r.workload.contextTokens)]);
    args.push(['--mem-fraction-static', String(e.gpuMemoryUtilization)]);
    if (chunk !== null) args.push(['--chunked-prefill-size', String(chunk)]);
    if (lo.nodes > 1) {
      args.push(['--nnodes', String(lo.nodes)], ['--node-rank', '0'], ['--dist-init-addr', 'HEAD_NODE_IP:5000']);
      notes.push(`${lo.nodes} nodes: run the same command on the other node${lo.nodes > 2 ? 's' : ''} with --node-rank ${lo.nodes > 2 ? `1 to ${lo.nodes - 1}` : '1'}; HEAD_NODE_IP is the first node's address`);
    }
  }
  const known = new Set(list.flags);
  const missing = args.map(([f]) => f).filter((f) => !known.has(f));
  if (missing.length) throw new Error(`${engine} ${list.version} has no ${missing.join(', ')} (flag list ${list.source})`);
  const quote = (v: string) => (/^[\w./:=-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  const head = engine === 'vllm' ? `vllm serve ${quote(model)}` : 'python -m sglang.launch_server';
  const command = [head, ...args.map(([f, v]) => (v === null ? f : `${f} ${quote(v)}`))].join(' ');
  return { engine, version: list.version, command, flags: args.map(([f]) => f), notes };
}
