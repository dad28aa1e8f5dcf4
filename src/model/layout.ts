import { InputError } from '../errors.js';
import { contiguousGroups, stridedGroups } from './hardware/topology.js';
import { cacheKvHeads } from './layers.js';
import type { ClusterSpec, CpStyle, Layout, ModelSpec } from './types.js';

export interface LayoutRequest {
  /** Nodes to use (all their GPUs); give this or `gpus` (default: one node). */
  nodes?: number;
  /** GPUs to use in total, numbered node by node (default: nodes x GPUs per node). */
  gpus?: number;
  tp?: number;
  cp?: number;
  /** Decode context parallelism inside the TP group (vLLM/SGLang DCP); default 1. */
  dcp?: number;
  /** Expert parallelism: GPUs that share out the routed experts; default 1 (experts sliced by TP). */
  ep?: number;
  /** How CP splits the context; default ring. */
  cpStyle?: CpStyle;
}

/**
 * Resolves TP and CP for the GPUs asked for and checks that the layout can
 * exist. TP defaults to the GPUs of one node (or all GPUs, when fewer), CP to
 * the remaining factor. GPUs are numbered node by node and TP groups are
 * consecutive, so a TP group stays inside one NVLink domain (a node on HGX,
 * 72 GPUs on an NVL72) or spans whole domains; each CP ring joins the GPUs
 * with the same TP rank (one ring per KV-head shard).
 */
export function resolveLayout(request: LayoutRequest, model: ModelSpec, cluster: ClusterSpec): Layout {
  const result = layoutOrProblem(request, model, cluster);
  if (typeof result === 'string') throw new InputError(result);
  return result;
}

/** The GPUs of a request (from --gpus or --nodes), or the problem with them. */
export function gpusOf(request: LayoutRequest, cluster: Pick<ClusterSpec, 'gpusPerNode' | 'maxNodes' | 'name'>): { gpus: number; nodes: number } | string {
  const perNode = cluster.gpusPerNode;
  const maxGpus = cluster.maxNodes * perNode;
  if (request.gpus !== undefined) {
    const nodes = Math.ceil(request.gpus / perNode);
    if (request.nodes !== undefined && request.nodes !== nodes) {
      const range = request.nodes === 1 ? `1 to ${perNode}` : `${(request.nodes - 1) * perNode + 1} to ${request.nodes * perNode}`;
      return `--gpus ${request.gpus} and --nodes ${request.nodes} disagree: ${request.gpus} GPUs fill ${nodes} node(s) of ${perNode}; give one of them, or --gpus ${range} with --nodes ${request.nodes}`;
    }
    if (request.gpus > maxGpus) {
      return `--gpus ${request.gpus}: cluster '${cluster.name}' has at most ${maxGpus} GPUs (${cluster.maxNodes} nodes x ${perNode}); use fewer GPUs or a cluster file with a larger maxNodes`;
    }
    return { gpus: request.gpus, nodes };
  }
  const nodes = request.nodes ?? 1;
  if (nodes > cluster.maxNodes) {
    return `--nodes ${nodes}: cluster '${cluster.name}' has at most ${cluster.maxNodes} nodes; use fewer nodes or a cluster file with a larger maxNodes`;
  }
  return { gpus: nodes * perNode, nodes };
}

/** The same checks as resolveLayout, returning the problem instead of throwing (for enumeration). */
export function layoutOrProblem(request: LayoutRequest, model: ModelSpec, cluster: ClusterSpec): Layout | string {
  const counted = gpusOf(request, cluster);
  if (typeof counted === 'string') return counted;
  const { gpus, nodes } = counted;
  const perNode = cluster.gpusPerNode;
  const domain = cluster.nvlinkDomainGpus;
  const where = request.gpus !== undefined ? `${gpus} GPUs` : `${gpus} GPUs of ${nodes} node(s) x ${perNode}`;
  for (const [flag, value] of [
    ['--tp', request.tp],
    ['--cp', request.cp],
  ] as const) {
    if (value !== undefined && gpus % value !== 0) {
      return `${flag} ${value}: does not divide the ${where}; choose a divisor of ${gpus}`;
    }
  }
  const tp = request.tp ?? (request.cp !== undefined ? gpus / request.cp : Math.min(perNode, gpus));
  const cp = request.cp ?? gpus / tp;

  if (request.tp === undefined && request.cp === undefined && gpus % tp !== 0) {
    const fits = divisors(tp).filter((t) => gpus % t === 0);
    return `--gpus ${gpus}: the default TP ${tp} (GPUs per node) does not divide it; give --tp ${fits[fits.length - 1]} (a divisor of ${gpus} that fits a node) or whole nodes`;
  }
  if (!Number.isInteger(tp) || !Number.isInteger(cp) || tp * cp !== gpus) {
    return `layout: TP ${fmt(tp)} x CP ${fmt(cp)} must equal the ${where}; adjust --tp/--cp or the GPU count`;
  }
  if (tp > domain && tp % domain !== 0) {
    return `--tp ${tp}: a TP group larger than an NVLink domain (${domain} GPUs on '${cluster.name}') must span whole domains (a multiple of ${domain})`;
  }
  const straddler = tp < domain ? straddlingGroup(tp, cp, domain) : -1;
  if (straddler >= 0) {
    return `--tp ${tp}: TP group ${straddler} (GPUs ${straddler * tp}-${(straddler + 1) * tp - 1}) would straddle two NVLink domains of ${domain} GPUs; choose a TP that divides ${domain}`;
  }
  const heads = model.attentionHeads;
  // MLA's latent is shared by every head: one KV "head", held whole by every TP rank.
  const kv = cacheKvHeads(model);
  const linearHeads = model.attention?.pattern.includes('linear') ? model.attention.linear?.heads : undefined;
  const validTp = (t: number) => heads % t === 0 && (kv % t === 0 || t % kv === 0) && (linearHeads === undefined || linearHeads % t === 0);
  if (!validTp(tp)) {
    // Name where the TP came from: the user's flag, or the default.
    const which =
      request.tp !== undefined
        ? `--tp ${tp}`
        : request.cp !== undefined
          ? `TP ${tp} (GPUs / --cp)`
          : gpus < perNode
            ? `the default TP ${tp} (all ${gpus} GPUs)`
            : `the default TP ${tp} (GPUs per node)`;
    const problem =
      heads % tp !== 0
        ? `does not divide the ${heads} attention heads of ${model.name}`
        : linearHeads !== undefined && linearHeads % tp !== 0
          ? `does not divide the ${linearHeads} linear-attention heads of ${model.name}`
          : `must divide the ${kv} KV heads of ${model.name} or be a multiple of them (then KV heads are replicated)`;
    // Hints are TPs this GPU count can take: divisors of it that fit a node (or of the node when it is larger).
    const options = divisors(Math.min(perNode, gpus)).filter((t) => gpus % t === 0 && validTp(t));
    const hint = options.length ? `; try --tp ${options[options.length - 1]}` : '';
    return `${which}: ${problem}${hint}`;
  }
  const kvHeadsPerGpu = Math.max(1, kv / tp);
  const kvReplication = tp > kv ? tp / kv : 1;
  const dcp = request.dcp ?? 1;
  if (dcp > 1) {
    if (kvReplication === 1) {
      return `--dcp ${dcp}: not applicable: at TP${tp} each GPU holds distinct KV heads of ${model.name} (${kv} KV heads), so there is no duplicated KV to shard; DCP needs TP > KV heads (e.g. --tp ${kv * 2} --dcp 2)`;
    }
    // A DCP group must lie inside the ranks that duplicate one KV head, so D divides TP / KV heads.
    if (kvReplication % dcp !== 0) {
      return `--dcp ${dcp}: must divide TP / KV heads = ${kvReplication} (each KV head is duplicated ${kvReplication} times at TP${tp}); try --dcp ${kvReplication}`;
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
  const cpStyle = request.cpStyle ?? 'ring';
  if (cpStyle === 'ulysses' && cp > 1 && (heads / tp) % cp !== 0) {
    return `--cp-style ulysses: CP${cp} must divide the ${heads / tp} query heads per GPU at TP${tp} (Ulysses gives each rank a share of the heads); use a CP that divides ${heads / tp}, or ring`;
  }
  const cpGroups = stridedGroups(cp, tp, domain);
  // Hierarchical CP: Ulysses over the CP ranks inside one NVLink domain, a ring across domains.
  if (cpStyle === 'hierarchical' && cp > 1 && ((heads / tp) % cpGroups.perDomain !== 0 || cp % cpGroups.perDomain !== 0)) {
    return `--cp-style hierarchical: its ${cpGroups.perDomain} CP ranks inside an NVLink domain must divide the ${heads / tp} query heads per GPU at TP${tp} and CP${cp} (Ulysses inside the domain gives each rank a share of the heads); use another TP, or ring`;
  }
  return {
    ...(cpStyle === 'ring' ? {} : { cpStyle }),
    nodes,
    gpusPerNode: perNode,
    gpus,
    tp,
    cp,
    qHeadsPerGpu: heads / tp,
    kvHeadsPerGpu,
    kvReplication,
    dcp,
    ep,
    groups: {
      tp: contiguousGroups(tp, gpus, domain),
      cp: cpGroups,
      ep: contiguousGroups(ep, gpus, domain),
      dcp: contiguousGroups(dcp, gpus, domain),
    },
  };
}

/** The first TP group (of `count`, each of `tp` consecutive GPUs) that crosses a domain boundary, or -1. */
function straddlingGroup(tp: number, count: number, domain: number): number {
  if (domain % tp === 0) return -1;
  for (let j = 0; j < count; j++) {
    if (Math.floor((j * tp) / domain) !== Math.floor(((j + 1) * tp - 1) / domain)) return j;
  }
  return -1;
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
export function withoutCp(layout: Layout, model: ModelSpec, cluster: ClusterSpec): Layout {
  // An EP group cannot outgrow the TP group left: experts spread over it instead.
  const ep = layout.ep > 1 ? layout.tp : 1;
  return resolveLayout({ gpus: layout.tp, tp: layout.tp, dcp: layout.dcp, ep }, model, cluster);
}
