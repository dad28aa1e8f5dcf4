import { InputError } from '../errors.js';
import { cacheKvHeads } from './layers.js';
import type { ClusterSpec, Layout, ModelSpec } from './types.js';

export interface LayoutRequest {
  nodes: number;
  tp?: number;
  cp?: number;
  /** Decode context parallelism inside the TP group (vLLM/SGLang DCP); default 1. */
  dcp?: number;
  /** Expert parallelism: GPUs that share out the routed experts; default 1 (experts sliced by TP). */
  ep?: number;
}

/**
 * Resolves TP and CP for `nodes` nodes and checks that the layout can exist.
 * TP defaults to the GPUs of one node, CP to the remaining factor. GPUs are
 * numbered node by node and TP groups are contiguous, so a TP group stays
 * inside a node when TP <= GPUs per node and spans whole nodes otherwise; each
 * CP ring joins the GPUs with the same TP rank (one ring per KV-head shard).
 */
export function resolveLayout(request: LayoutRequest, model: ModelSpec, cluster: ClusterSpec): Layout {
  const result = layoutOrProblem(request, model, cluster);
  if (typeof result === 'string') throw new InputError(result);
  return result;
}

/** The same checks as resolveLayout, returning the problem instead of throwing (for enumeration). */
export function layoutOrProblem(request: LayoutRequest, model: ModelSpec, cluster: ClusterSpec): Layout | string {
  const { nodes } = request;
  const perNode = cluster.gpusPerNode;
  if (nodes > cluster.maxNodes) {
    return (
      `--nodes ${nodes}: cluster '${cluster.name}' has at most ${cluster.maxNodes} nodes; use fewer nodes or a cluster file with a larger maxNodes`
    );
  }
  const gpus = nodes * perNode;
  for (const [flag, value] of [['--tp', request.tp], ['--cp', request.cp]] as const) {
    if (value !== undefined && gpus % value !== 0) {
      return (`${flag} ${value}: does not divide the ${gpus} GPUs of ${nodes} node(s) x ${perNode}; choose a divisor of ${gpus}`);
    }
  }
  const tp = request.tp ?? (request.cp !== undefined ? gpus / request.cp : Math.min(perNode, gpus));
  const cp = request.cp ?? gpus / tp;

  if (!Number.isInteger(tp) || !Number.isInteger(cp) || tp * cp !== gpus) {
    return (
      `layout: TP ${fmt(tp)} x CP ${fmt(cp)} must equal the ${gpus} GPUs of ${nodes} node(s) x ${perNode}; adjust --tp/--cp or --nodes`
    );
  }
  if (tp > perNode && tp % perNode !== 0) {
    return (`--tp ${tp}: a TP group larger than a node must span whole nodes (a multiple of ${perNode})`);
  }
  if (tp < perNode && perNode % tp !== 0) {
    return (`--tp ${tp}: must divide the ${perNode} GPUs of a node so TP groups do not straddle nodes`);
  }
  const heads = model.attentionHeads;
  // MLA's latent is shared by every head: one KV "head", held whole by every TP rank.
  const kv = cacheKvHeads(model);
  const linearHeads = model.attention?.pattern.includes('linear') ? model.attention.linear?.heads : undefined;
  const validTp = (t: number) => heads % t === 0 && (kv % t === 0 || t % kv === 0) && (linearHeads === undefined || linearHeads % t === 0);
  if (!validTp(tp)) {
    // Name where the TP came from: the user's flag, or the default.
    const which = request.tp !== undefined ? `--tp ${tp}` : request.cp !== undefined ? `TP ${tp} (GPUs / --cp)` : `the default TP ${tp} (GPUs per node)`;
    const problem =
      heads % tp !== 0
        ? `does not divide the ${heads} attention heads of ${model.name}`
        : linearHeads !== undefined && linearHeads % tp !== 0
          ? `does not divide the ${linearHeads} linear-attention heads of ${model.name}`
          : `must divide the ${kv} KV heads of ${model.name} or be a multiple of them (then KV heads are replicated)`;
    const options = divisors(perNode).filter(validTp);
    const hint = options.length ? `; try --tp ${options[options.length - 1]}` : '';
    return (`${which}: ${problem}${hint}`);
  }
  const kvHeadsPerGpu = Math.max(1, kv / tp);
  const kvReplication = tp > kv ? tp / kv : 1;
  const dcp = request.dcp ?? 1;
  if (dcp > 1) {
    if (kvReplication === 1) {
      return (
        `--dcp ${dcp}: not applicable: at TP${tp} each GPU holds distinct KV heads of ${model.name} (${kv} KV heads), so there is no duplicated KV to shard; DCP needs TP > KV heads (e.g. --tp ${kv * 2} --dcp 2)`
      );
    }
    // A DCP group must lie inside the ranks that duplicate one KV head, so D divides TP / KV heads.
    if (kvReplication % dcp !== 0) {
      return (
        `--dcp ${dcp}: must divide TP / KV heads = ${kvReplication} (each KV head is duplicated ${kvReplication} times at TP${tp}); try --dcp ${kvReplication}`
      );
    }
  }
  const ep = request.ep ?? 1;
  if (ep > 1) {
    const moe = model.moe;
    if (!moe) return `--ep ${ep}: ${model.name} has no mixture-of-experts layers; expert parallelism needs an MoE model`;
    if (ep % tp !== 0 || gpus % ep !== 0) {
      return `--ep ${ep}: must be a multiple of TP ${tp} that divides the ${gpus} GPUs (EP groups are whole TP groups); try --ep ${gpus % (tp * 2) === 0 && moe.experts % (tp * 2) === 0 ? tp * 2 : tp}`;
    }
    if (moe.experts % ep !== 0) {
      return `--ep ${ep}: must divide the ${moe.experts} experts of ${model.name} (each GPU holds whole experts)`;
    }
  }
  return {
    nodes,
    gpusPerNode: perNode,
    gpus,
    tp,
    cp,
    qHeadsPerGpu: heads / tp,
    kvHeadsPerGpu,
    kvReplication,
    tpSpansNodes: tp > perNode,
    cpRingCrossesNodes: cp > 1 && nodes > 1,
    dcp,
    ep,
    epSpansNodes: ep > perNode,
  };
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/**
 * The same TP group (and DCP) without CP: one TP group on its own, which is
 * what decode would run on if prefill and decode were disaggregated.
 */
export function withoutCp(layout: Layout): Layout {
  const nodes = Math.max(1, Math.ceil(layout.tp / layout.gpusPerNode));
  // An EP group cannot outgrow the TP group left: experts spread over it instead.
  const ep = layout.ep > 1 ? layout.tp : 1;
  return { ...layout, nodes, gpus: layout.tp, cp: 1, cpRingCrossesNodes: false, ep, epSpansNodes: ep > layout.gpusPerNode };
}
