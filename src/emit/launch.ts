import type { EstimateResult } from '../model/estimate.js';
import type { KvDtype, Layout, ModelSpec, WeightRecipe } from '../model/types.js';

export type LaunchEngine = 'vllm' | 'sglang' | 'trtllm';

/** A launch command for one engine version, with every flag it uses (checked against that version's parser). */
export interface LaunchCommand {
  engine: LaunchEngine;
  /** The engine version the flag list was read from. */
  version: string;
  /** One line, ready to paste (multi-node launches say what to run on the other nodes in `notes`). */
  command: string;
  /** The flags used, each present in the version's flag list. */
  flags: string[];
  /** TensorRT-LLM: the YAML file the command's --config names (its keys are in the version's config keys). */
  configFile?: { name: string; yaml: string; keys: string[] };
  /** What the command cannot say (a weight recipe with no flag, the nodes to start). */
  notes: string[];
}

/** What the emitter needs from an engine's flag list (presets/engines/flags/ENGINE.yaml). */
export interface FlagList {
  engine: string;
  version: string;
  source: string;
  flags: string[];
  /** Keys of the engine's config file (TensorRT-LLM's --config YAML), dotted. */
  configKeys?: string[] | undefined;
}

/** The deployment a command launches: one stage's layout, the stages, precision and limits. */
export interface LaunchInput {
  /** The Hugging Face id (or the preset name when the preset has none). */
  modelId: string;
  /** The model's shapes: what an engine's sharding must divide. */
  model: Pick<ModelSpec, 'name' | 'ffnSize' | 'moe'>;
  /** One pipeline stage's layout (the whole layout without PP). */
  layout: Layout;
  pp: number;
  weights: WeightRecipe;
  kvDtype: KvDtype;
  contextTokens: number;
  /** Of the context, tokens already cached (the prefill computes the rest). */
  cachedTokens: number;
  /** Prompts prefilled together. */
  batch: number;
  /** The prefill chunk (max batched tokens); null = whole prompts. */
  prefillChunkTokens: number | null;
  /** The engine's token budget of one step (its default), when the preset gives it. */
  maxStepTokens: number | null;
  gpuMemoryUtilization: number;
}

/** A layout the engine version cannot launch: the reason, for a message or a plan's restriction; `fix` when one is known. */
export class NotLaunchable extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** Nodes the whole deployment touches: every stage's GPUs (TP x CP per stage, times PP), whole nodes. */
export function deploymentNodes(input: LaunchInput): number {
  return Math.ceil((input.layout.gpus * input.pp) / input.layout.gpusPerNode);
}

/**
 * A step's token budget per CP rank that lets prompts be prefilled whole: the batch's new tokens, at least one
 * whole prompt (TensorRT-LLM checks prompt_len / cp_size, cached prefix included), and never below the
 * engine's default budget (which also bounds decode batches).
 */
export function wholePromptTokens(input: LaunchInput, cp: number): number {
  const perRank = (tokens: number) => Math.ceil(tokens / cp);
  return Math.max(perRank(input.contextTokens), input.batch * perRank(input.contextTokens - input.cachedTokens), input.maxStepTokens ?? 0);
}

type Args = [string, string | null][];

/**
 * The command that deploys a layout on vLLM, SGLang or TensorRT-LLM: parallel sizes (TP, PP, CP, DCP, EP),
 * KV-cache dtype, context length, memory fraction and prefill chunk. Every flag must be in `list` (the
 * version's argument parser) and every config key in its config keys: a missing one throws NotLaunchable,
 * never emitted. Pure.
 */
export function launchCommand(engine: LaunchEngine, input: LaunchInput, list: FlagList): LaunchCommand {
  const notes: string[] = [];
  const w = input.weights;
  if (w !== 'bf16' && w !== 'fp8') notes.push(`weights ${w}: load a checkpoint quantised that way (no flag sets it)`);
  const built = engine === 'vllm' ? vllmArgs(input, notes) : engine === 'sglang' ? sglangArgs(input, notes) : trtllmArgs(input, notes);
  const known = new Set(list.flags);
  const missing = built.args.map(([f]) => f).filter((f) => !known.has(f));
  if (missing.length) throw new NotLaunchable(`${engine} ${list.version} has no ${missing.join(', ')} (flag list ${list.source})`);
  const keys = built.config ? Object.keys(built.config) : [];
  const unknownKeys = keys.filter((k) => !(list.configKeys ?? []).includes(k));
  if (unknownKeys.length) throw new NotLaunchable(`${engine} ${list.version} has no config key ${unknownKeys.join(', ')} (flag list ${list.source})`);
  const head =
    engine === 'vllm'
      ? `vllm serve ${quote(input.modelId)}`
      : engine === 'sglang'
        ? 'python -m sglang.launch_server'
        : `trtllm-serve serve ${quote(input.modelId)}`;
  const command = [head, ...built.args.map(([f, v]) => (v === null ? f : `${f} ${quote(v)}`))].join(' ');
  return {
    engine,
    version: list.version,
    command,
    flags: built.args.map(([f]) => f),
    ...(built.config ? { configFile: { name: TRTLLM_CONFIG, yaml: toYaml(built.config), keys } } : {}),
    notes,
  };
}

const TRTLLM_CONFIG = 'cp-plan-trtllm.yaml';

function quote(v: string): string {
  return /^[\w./:=-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function allGatherOnly(engine: string, lo: Layout): void {
  if (lo.cp > 1 && lo.cpStyle !== 'all-gather') {
    throw new NotLaunchable(`${engine} runs prefill CP as all-gather, not ${lo.cpStyle ?? 'ring'}`);
  }
}

function vllmArgs(input: LaunchInput, notes: string[]): { args: Args; config?: undefined } {
  const lo = input.layout;
  allGatherOnly('vllm', lo);
  const args: Args = [['--tensor-parallel-size', String(lo.tp)]];
  if (input.pp > 1) args.push(['--pipeline-parallel-size', String(input.pp)]);
  if (lo.cp > 1) args.push(['--prefill-context-parallel-size', String(lo.cp)]);
  if (lo.dcp > 1) args.push(['--decode-context-parallel-size', String(lo.dcp)]);
  if (lo.ep > 1) args.push(['--enable-expert-parallel', null]);
  if (input.weights === 'fp8') args.push(['--quantization', 'fp8']);
  if (input.kvDtype === 'fp8') args.push(['--kv-cache-dtype', 'fp8']);
  args.push(['--max-model-len', String(input.contextTokens)]);
  args.push(['--gpu-memory-utilization', String(input.gpuMemoryUtilization)]);
  // vLLM V1 always chunks prefills (at its default budget without this flag): whole prompts need a budget
  // that holds them, which makes each one a single chunk.
  args.push(['--max-num-batched-tokens', String(input.prefillChunkTokens ?? wholePromptTokens(input, 1))]);
  const nodes = deploymentNodes(input);
  if (nodes > 1) notes.push(`${nodes} nodes: start a Ray cluster over them first (vLLM's multi-node serving), then run this on the head node`);
  return { args };
}

/** SGLang's default --max-prefill-tokens (server_args.py @001067ff). */
const SGLANG_MAX_PREFILL_TOKENS = 16384;

function sglangArgs(input: LaunchInput, notes: string[]): { args: Args; config?: undefined } {
  const lo = input.layout;
  allGatherOnly('sglang', lo);
  if (lo.cp > 1) sglangCpShards(input);
  // SGLang's attention CP is carved out of its TP world: server_args.py (_handle_context_parallelism) asserts
  // tp_size % attn_cp_size == 0, so TP t x CP c is --tp-size t*c --attn-cp-size c (attention TP t); some
  // versions also assert pp_size == 1 with CP, so CP with PP is not emitted.
  if (lo.cp > 1 && input.pp > 1)
    throw new NotLaunchable('sglang runs prefill CP without pipeline stages (server_args.py asserts pp_size == 1 with attn_cp_size > 1)');
  const args: Args = [
    ['--model-path', input.modelId],
    ['--tp-size', String(lo.tp * lo.cp)],
  ];
  if (input.pp > 1) args.push(['--pp-size', String(input.pp)]);
  if (lo.cp > 1) {
    args.push(['--enable-prefill-cp', null], ['--attn-cp-size', String(lo.cp)]);
    notes.push(
      `SGLang's --tp-size ${lo.tp * lo.cp} with --attn-cp-size ${lo.cp} gives attention TP${lo.tp} x CP${lo.cp}; its dense and MoE layers run over all ${lo.tp * lo.cp} GPUs, where cp-plan costs them at TP${lo.tp} on each CP rank's tokens`,
    );
  }
  if (lo.dcp > 1) args.push(['--dcp-size', String(lo.dcp)]);
  if (lo.ep > 1) args.push(['--ep-size', String(lo.ep)]);
  if (input.weights === 'fp8') args.push(['--quantization', 'fp8']);
  if (input.kvDtype === 'fp8') args.push(['--kv-cache-dtype', 'fp8_e4m3']);
  args.push(['--context-length', String(input.contextTokens)]);
  args.push(['--mem-fraction-static', String(input.gpuMemoryUtilization)]);
  // -1 disables chunked prefill (server_args.py @001067ff: chunked_prefill_size "Setting this to -1 means
  // disabling chunked prefill"); a prefill batch then holds max(--max-prefill-tokens, context length) tokens,
  // so a batch of whole prompts larger than that needs --max-prefill-tokens.
  args.push(['--chunked-prefill-size', String(input.prefillChunkTokens ?? -1)]);
  const batchTokens = input.batch * (input.contextTokens - input.cachedTokens);
  if (input.prefillChunkTokens === null && batchTokens > Math.max(SGLANG_MAX_PREFILL_TOKENS, input.contextTokens))
    args.push(['--max-prefill-tokens', String(batchTokens)]);
  const nodes = deploymentNodes(input);
  if (nodes > 1) {
    args.push(['--nnodes', String(nodes)], ['--node-rank', '0'], ['--dist-init-addr', 'HEAD_NODE_IP:5000']);
    notes.push(
      `${nodes} nodes: run the same command on the other node${nodes > 2 ? 's' : ''} with --node-rank ${nodes > 2 ? `1 to ${nodes - 1}` : '1'}; HEAD_NODE_IP is the first node's address`,
    );
  }
  return { args };
}

/**
 * The weight dimensions SGLang splits over its whole TP world when attention CP is carved out of it
 * (--tp-size TP*CP): its dense MLPs (MergedColumnParallelLinear / RowParallelLinear, whose divide() asserts
 * an exact split) and MoE experts (over the MoE TP, TP*CP / EP). Attention is split over TP alone, which the
 * layout already checks. Throws with a CP degree that splits them evenly.
 */
function sglangCpShards(input: LaunchInput): void {
  const { tp, cp, ep } = input.layout;
  const m = input.model;
  const moe = m.moe ?? null;
  const splits = (world: number): string | null => {
    if ((!moe || moe.firstDenseLayers > 0 || moe.layerInterval > 1) && m.ffnSize % world !== 0) return `the FFN intermediate size ${m.ffnSize}`;
    if (moe && moe.sharedExperts > 0 && (moe.sharedFfnSize * moe.sharedExperts) % world !== 0)
      return `the shared-expert intermediate size ${moe.sharedFfnSize * moe.sharedExperts}`;
    if (moe && (world % ep !== 0 || moe.expertFfnSize % (world / ep) !== 0))
      return `the expert intermediate size ${moe.expertFfnSize} (over MoE TP ${world / ep})`;
    return null;
  };
  const bad = splits(tp * cp);
  if (bad === null) return;
  const works = (c: number) => c > 1 && splits(tp * c) === null;
  const below = [...Array(cp).keys()].reverse().find(works);
  const above = [...Array(3 * cp).keys()].map((i) => cp + 1 + i).find(works);
  const pick = below ?? above;
  throw new NotLaunchable(
    `sglang splits its FFN weights over --tp-size ${tp * cp} (TP${tp} x CP${cp}), which does not divide ${bad} of ${m.name} (its linear layers assert an even split)`,
    pick === undefined ? 'try --cp 1 or another engine' : `try --cp ${pick} on ${tp * pick} GPUs, --cp 1, or another engine`,
  );
}

/**
 * TensorRT-LLM's CpType member for a cp-plan style (tensorrt_llm/mapping.py: IntEnum ULYSSES, STAR, RING,
 * HELIX); all-gather has none. The member's own spelling: serve.py @00209af1 upper-cases only the CLI's
 * cp_config (get_llm_args), and the --config YAML reaches llm_args.py's cp_config, a plain dict.
 */
const TRTLLM_CP_TYPE: Record<string, string> = { ring: 'RING', ulysses: 'ULYSSES' };

function trtllmArgs(input: LaunchInput, notes: string[]): { args: Args; config?: Record<string, string> } {
  const lo = input.layout;
  const style = lo.cpStyle ?? 'ring';
  if (lo.cp > 1 && TRTLLM_CP_TYPE[style] === undefined) throw new NotLaunchable(`trtllm has no ${style} CP (its cp_type is ulysses, star, ring or helix)`);
  if (lo.dcp > 1) throw new NotLaunchable('trtllm decodes with Helix (cp_type helix), a different mapping from DCP inside the TP group; not emitted');
  const args: Args = [['--tp_size', String(lo.tp)]];
  if (input.pp > 1) args.push(['--pp_size', String(input.pp)]);
  if (lo.cp > 1) args.push(['--cp_size', String(lo.cp)]);
  if (lo.ep > 1) args.push(['--ep_size', String(lo.ep)]);
  args.push(['--max_seq_len', String(input.contextTokens)]);
  args.push(['--kv_cache_free_gpu_memory_fraction', String(input.gpuMemoryUtilization)]);
  // Without chunked prefill the PyTorch backend refuses a prompt whose prompt_len / cp_size exceeds
  // max_num_tokens (default 8192): NVIDIA/TensorRT-LLM@4c05a748 tensorrt_llm/llmapi/llm.py, _check_arguments.
  if (input.prefillChunkTokens !== null) args.push(['--enable_chunked_prefill', null], ['--max_num_tokens', String(input.prefillChunkTokens)]);
  else args.push(['--max_num_tokens', String(wholePromptTokens(input, lo.cp))]);
  const config: Record<string, string> = {};
  if (lo.cp > 1) config['cp_config.cp_type'] = TRTLLM_CP_TYPE[style]!;
  if (input.kvDtype === 'fp8') config['kv_cache_config.dtype'] = 'fp8';
  if (input.weights === 'fp8') notes.push('weights fp8: load an FP8 checkpoint (TensorRT-LLM reads the quantisation from it)');
  const hasConfig = Object.keys(config).length > 0;
  if (hasConfig) {
    args.push(['--config', TRTLLM_CONFIG]);
    notes.push(`write ${TRTLLM_CONFIG} first (its text is shown with the command; in --json, emit.configFile.yaml)`);
  }
  const nodes = deploymentNodes(input);
  if (nodes > 1)
    notes.push(`${nodes} nodes: launch under MPI or Slurm with ${lo.gpus * input.pp} ranks (trtllm-llmapi-launch), as TensorRT-LLM's multi-node serving does`);
  return { args, ...(hasConfig ? { config } : {}) };
}

/** A dotted-key map as nested YAML (two levels are all the emitter writes). */
function toYaml(config: Record<string, string>): string {
  const groups = new Map<string, [string, string][]>();
  for (const [key, value] of Object.entries(config)) {
    const [head, tail] = key.split('.') as [string, string];
    groups.set(head, [...(groups.get(head) ?? []), [tail, value]]);
  }
  return [...groups].map(([head, entries]) => `${head}:\n${entries.map(([k, v]) => `  ${k}: ${v}\n`).join('')}`).join('');
}

/** The launch input of an estimate (one stage's estimate with `pp` stages). */
export function launchInputOf(r: EstimateResult, pp = 1): LaunchInput {
  return {
    modelId: r.model.huggingFace ?? r.model.name,
    model: r.model,
    layout: r.layout,
    pp,
    weights: r.precision.weights,
    kvDtype: r.precision.kvDtype,
    contextTokens: r.workload.contextTokens,
    cachedTokens: r.workload.cachedTokens,
    batch: r.workload.batch,
    prefillChunkTokens: r.workload.prefillChunkTokens ?? null,
    maxStepTokens: r.cluster.engine.maxStepTokens,
    gpuMemoryUtilization: r.cluster.engine.gpuMemoryUtilization,
  };
}
