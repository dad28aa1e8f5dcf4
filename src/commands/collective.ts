import { EXIT_OK, InputError } from '../errors.js';
import { generatorOf } from '../render/provenance.js';
import { quoted } from '../render/quote.js';
import { busBandwidthFactor, collective, COLLECTIVE_OPS, type Algorithm, type CollectiveOp } from '../model/hardware/collectives.js';
import { gpusOf } from '../model/layout.js';
import type { ClusterHardware as ClusterSpec } from '../model/types.js';
import { loadCluster } from '../presets/catalog.js';
import { collectiveAlgorithms } from '../schema/collective-measurements.js';
import { collectiveRowsJson, collectiveToCsv, collectiveToTable, describeRun, type CollectiveRow } from '../render/collective-output.js';
import { colorEnabled } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { parseByteSizes } from '../units.js';
import { seriesDomainSizes, seriesGroup } from '../validation/collectives.js';
import type { CommandContext, CommandResult } from './result.js';

export interface CollectiveOptions {
  cluster: string;
  gpus?: number;
  nodes?: number;
  ranksPerNode?: number;
  bytes: string;
  algorithm?: string;
  format: 'table' | 'csv' | 'json';
  json: boolean;
  color: boolean;
}

/** nccl-tests' binary names are accepted too: all_reduce, all_reduce_perf. */
export function collectiveOp(word: string): CollectiveOp {
  const op = word
    .replace(/_perf$/, '')
    .replace(/_/g, '-')
    .replace(/^alltoall$/, 'all-to-all');
  if (!(COLLECTIVE_OPS as readonly string[]).includes(op)) {
    throw new InputError(`collective: unknown operation; choose ${COLLECTIVE_OPS.join(', ')} (nccl-tests names such as all_reduce_perf also work)`);
  }
  return op as CollectiveOp;
}

function algorithms(list: string | undefined, op: CollectiveOp): Algorithm[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(collectiveAlgorithms as readonly string[]).includes(n));
  if (unknown.length || names.length === 0)
    throw new InputError(`--algorithm: choose from ${collectiveAlgorithms.join(', ')} (a comma-separated list, as NCCL_ALGO)`);
  if (op === 'all-to-all' || op === 'sendrecv') throw new InputError(`--algorithm: ${op} is point-to-point in NCCL; it has no algorithm to choose`);
  return names as Algorithm[];
}

/**
 * The ranks and nodes of the run. With --ranks-per-node R, as nccl-tests under
 * mpirun -npernode R: --nodes N means N x R ranks, --gpus G means G ranks on
 * ceil(G / R) nodes; without it every GPU of a node is a rank.
 */
function ranksOf(opts: CollectiveOptions, spec: ClusterSpec): { gpus: number; nodes: number } {
  if (opts.ranksPerNode === undefined) {
    const counted = gpusOf({ gpus: opts.gpus, nodes: opts.nodes }, spec);
    if (typeof counted === 'string') throw new InputError(counted);
    return counted;
  }
  const r = opts.ranksPerNode;
  if (r > spec.gpusPerNode)
    throw new InputError(`--ranks-per-node ${r}: '${spec.name}' has ${spec.gpusPerNode} GPUs per node; give at most ${spec.gpusPerNode}`);
  const nodes = opts.gpus !== undefined ? Math.ceil(opts.gpus / r) : (opts.nodes ?? 1);
  if (opts.gpus !== undefined && opts.nodes !== undefined && opts.nodes !== nodes) {
    throw new InputError(`--gpus ${opts.gpus} at --ranks-per-node ${r} fill ${nodes} node(s), not --nodes ${opts.nodes}; give one of --gpus and --nodes`);
  }
  if (nodes > spec.maxNodes) {
    throw new InputError(`--ranks-per-node ${r}: ${nodes} nodes are needed and '${spec.name}' has at most ${spec.maxNodes}; use fewer ranks or more per node`);
  }
  return { gpus: opts.gpus ?? nodes * r, nodes };
}

/** The model's prediction of one collective over a range of sizes, in nccl-tests' columns. */
export async function runCollective(opWord: string, opts: CollectiveOptions, ctx: CommandContext): Promise<CommandResult> {
  const op = collectiveOp(opWord);
  const sizes = parseByteSizes(opts.bytes, '--bytes');
  const cluster = await loadCluster(opts.cluster);
  const spec = cluster.spec;
  const counted = ranksOf(opts, spec);
  if (counted.gpus < 2) {
    throw new InputError(`--gpus ${counted.gpus}: a collective needs at least 2 GPUs`);
  }
  const run = { gpus: counted.gpus, ranksPerNode: opts.ranksPerNode };
  const group = seriesGroup(run, spec);
  const allowed = algorithms(opts.algorithm, op);
  const rows: CollectiveRow[] = sizes.map((bytes) => {
    const cost = allowed ? collective(op, bytes, group, spec, allowed) : collective(op, bytes, group, spec);
    if (cost === null)
      throw new InputError(
        `--algorithm ${opts.algorithm}: none of these applies to ${op} on this group (NVLS needs one NVLink domain with NVLS; NVLS tree and hierarchical need several domains)`,
      );
    const algbw = bytes / cost.sec;
    return {
      bytes,
      timeUs: cost.sec * 1e6,
      algbwGBps: algbw / 1e9,
      busbwGBps: (algbw * busBandwidthFactor(op, group.size)) / 1e9,
      algorithm: cost.algorithm,
      protocol: cost.protocol,
      latencyUs: cost.latencySec * 1e6,
    };
  });
  const domainSizes = seriesDomainSizes(run, spec);
  const header = describeRun(op, group, domainSizes, counted.nodes, spec);
  const format = opts.json ? 'json' : opts.format;
  if (format === 'json') {
    const doc = {
      schemaVersion: SCHEMA_VERSION,
      generator: generatorOf(ctx.version),
      op,
      cluster: { name: spec.name, displayName: spec.displayName, source: spec.source, file: cluster.file, collectives: spec.collectives.displayName },
      gpus: counted.gpus,
      nodes: counted.nodes,
      group,
      domainSizes,
      rows: collectiveRowsJson(rows),
    };
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr: [], exitCode: EXIT_OK };
  }
  if (format === 'csv') return { stdout: collectiveToCsv(rows), stderr: [], exitCode: EXIT_OK };
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  return { stdout: collectiveToTable(quoted(header), rows, color), stderr: [], exitCode: EXIT_OK };
}
