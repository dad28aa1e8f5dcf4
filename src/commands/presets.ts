import { generatorOf } from '../render/provenance.js';
import { readInputFile } from '../read-file.js';
import Table from '../render/table.js';
import { InputError } from '../errors.js';
import { portableModeline } from '../links.js';
import { kvBytesPerToken, kvCacheBytesPerSequence } from '../model/kv-cache.js';
import { activeParams, totalParams } from '../model/shapes.js';
import { attentionSummary, ffnSummary } from '../render/architecture.js';
import {
  builtinCluster,
  builtinEngine,
  builtinGpu,
  builtinModel,
  builtinNames,
  isPath,
  loadCluster,
  loadEngine,
  loadGpu,
  loadKernels,
  loadModel,
  presetFile,
  USER_KINDS,
  withArticle,
  type PresetKind,
} from '../presets/catalog.js';
import { closestNames } from '../presets/closest.js';
import { COMPACT_CHARS, colorEnabled, makeChalk, tableStyle } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatBytes, formatInt } from '../render/format.js';
import type { CommandContext, CommandResult } from './result.js';

export interface PresetsOptions {
  kind?: string;
  json: boolean;
  color: boolean;
}

type ListKind = (typeof USER_KINDS)[number];

function listKinds(kind: string | undefined): ListKind[] {
  if (kind === undefined) return [...USER_KINDS];
  if (!(USER_KINDS as readonly string[]).includes(kind)) throw new InputError(`--kind: choose ${USER_KINDS.join(', ')}`);
  return [kind as ListKind];
}

export function runPresetsList(opts: PresetsOptions, ctx: CommandContext): CommandResult {
  const kinds = listKinds(opts.kind);
  const models = kinds.includes('model') ? builtinNames('model').map((n) => builtinModel(n)) : [];
  const clusters = kinds.includes('cluster') ? builtinNames('cluster').map((n) => builtinCluster(n)) : [];
  const gpus = kinds.includes('gpu') ? builtinNames('gpu').map((n) => builtinGpu(n)) : [];
  const engines = kinds.includes('engine') ? builtinNames('engine').map((n) => builtinEngine(n)) : [];
  if (opts.json) {
    const doc = {
      schemaVersion: SCHEMA_VERSION,
      generator: generatorOf(ctx.version),
      models: models.map(({ spec: m }) => ({
        name: m.name,
        displayName: m.displayName,
        params: totalParams(m),
        activeParams: activeParams(m),
        attention: attentionSummary(m),
        ffn: ffnSummary(m),
        kvBytesPerTokenBf16: kvBytesPerToken(m, 'bf16'),
        maxContextTokens: m.maxContextTokens,
        kvCacheBytesAtMaxContextBf16: kvCacheBytesPerSequence(m, 'bf16', m.maxContextTokens),
        source: m.source,
      })),
      clusters: clusters.map(({ preset: c }) => ({
        name: c.name,
        displayName: c.displayName,
        gpu: c.gpu,
        engine: c.engine,
        gpusPerNode: c.gpusPerNode,
        maxNodes: c.maxNodes,
        source: c.source,
      })),
      gpus: gpus.map(({ preset: g }) => ({
        name: g.name,
        displayName: g.displayName,
        architecture: g.architecture,
        bf16DenseTflops: g.bf16DenseTflops,
        fp8DenseTflops: g.fp8DenseTflops ?? null,
        fp4DenseTflops: g.fp4DenseTflops ?? null,
        hbmCapacityGB: g.hbmCapacityGB,
        hbmBandwidthTBps: g.hbmBandwidthTBps,
        powerW: g.powerW,
        kernelTable: g.kernels.table,
        kernelProvenance: g.kernels.provenance,
        source: g.source,
      })),
      engines: engines.map(({ preset: e }) => ({ name: e.name, displayName: e.displayName, architectures: Object.keys(e.kernels), source: e.source })),
    };
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr: [], exitCode: 0 };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const style = tableStyle(color);
  const chalk = makeChalk(color);
  const mt = new Table({
    head: ['Model', 'Layers', 'Attention', 'FFN', 'Params (active)', 'KV/token (BF16)', 'Max context', 'KV at max (BF16)'],
    colAligns: ['left', 'right', 'left', 'left', 'right', 'right', 'right', 'right'],
    style,
    chars: COMPACT_CHARS,
  });
  for (const { spec: m } of models) {
    const total = totalParams(m);
    const active = activeParams(m);
    mt.push([
      m.name,
      m.layers,
      attentionSummary(m),
      ffnSummary(m),
      `${(total / 1e9).toFixed(1)}B` + (m.moe ? ` (${(active / 1e9).toFixed(1)}B)` : ''),
      formatBytes(kvBytesPerToken(m, 'bf16')),
      formatInt(m.maxContextTokens),
      formatBytes(kvCacheBytesPerSequence(m, 'bf16', m.maxContextTokens)),
    ]);
  }
  const ct = new Table({
    head: ['Cluster', 'GPU', 'GPUs/node', 'NVLink domain', 'Scale-up GB/s', 'Scale-out GB/s', 'Engine', 'Max nodes'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'left', 'right'],
    style,
    chars: COMPACT_CHARS,
  });
  for (const { preset: c } of clusters) {
    ct.push([
      c.name,
      c.gpu,
      c.gpusPerNode,
      c.topology.nvlinkDomainGpus ?? c.gpusPerNode,
      `${c.scaleUp.peerBandwidthPerDirectionGBps ?? c.scaleUp.bandwidthPerDirectionGBps} ${c.scaleUp.kind}`,
      `${c.topology.nicsPerNode ?? c.gpusPerNode}x${c.scaleOut.bandwidthPerNicGBps} ${c.scaleOut.kind}`,
      c.engine + (c.calibration ? ` (calibrated)` : ''),
      c.maxNodes,
    ]);
  }
  const gt = new Table({
    head: ['GPU', 'Arch', 'BF16 TF/s', 'FP8 TF/s', 'FP4 TF/s', 'HBM', 'HBM TB/s', 'W', 'Kernel tables'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    style,
    chars: COMPACT_CHARS,
  });
  for (const { preset: g } of gpus) {
    gt.push([
      g.name,
      g.architecture,
      g.bf16DenseTflops,
      g.fp8DenseTflops ?? '-',
      g.fp4DenseTflops ?? '-',
      `${g.hbmCapacityGB} GB`,
      g.hbmBandwidthTBps,
      g.powerW,
      g.kernels.provenance === 'measured' ? g.kernels.table : `${g.kernels.table} (transferred)`,
    ]);
  }
  const et = new Table({ head: ['Engine', 'Prefill / decode attention by GPU generation'], colAligns: ['left', 'left'], style, chars: COMPACT_CHARS });
  for (const { preset: e } of engines) {
    et.push([
      e.name,
      Object.entries(e.kernels)
        .map(([arch, k]) => `${arch}: ${k.prefillAttention}/${k.decodeAttention}${k.fp8Attention ? ' (fp8)' : ''}`)
        .join(', '),
    ]);
  }
  const sections: string[] = [];
  if (models.length) sections.push(chalk.bold('Models'), mt.toString(), '');
  if (clusters.length) sections.push(chalk.bold('Clusters') + ' (bandwidths per GPU per direction; scale-up to one peer)', ct.toString(), '');
  if (gpus.length) sections.push(chalk.bold('GPUs') + ' (dense FLOPS, never the sparse figure)', gt.toString(), '');
  if (engines.length) sections.push(chalk.bold('Engines'), et.toString(), '');
  if (models.length) {
    sections.push(
      'KV/token: the layers whose cache grows with the context; KV at max: one sequence at the maximum context, all layers (sliding, chunked and linear layers capped).',
    );
  }
  sections.push(
    "Show one with 'cp-plan presets show NAME' (or KIND/NAME: gpu/h100-sxm, engine/vllm); pass your own YAML file with --model/--cluster/--engine PATH.",
  );
  const text = sections.join('\n');
  return { stdout: text + '\n', stderr: [], exitCode: 0 };
}

export async function runPresetsShow(name: string, opts: PresetsOptions): Promise<CommandResult> {
  const { kind, ref } = kindOf(name);
  // Loading validates: a user's file is printed only if it is a valid preset.
  const loaded =
    kind === 'model'
      ? await loadModel(ref)
      : kind === 'cluster'
        ? await loadCluster(ref)
        : kind === 'engine'
          ? await loadEngine(ref)
          : kind === 'kernels'
            ? await loadKernels(ref)
            : await loadGpu(ref);
  if (opts.json) {
    const doc = { schemaVersion: SCHEMA_VERSION, kind, name: loaded.preset.name, file: loaded.file, preset: loaded.preset };
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr: [], exitCode: 0 };
  }
  // The file itself: its comments carry the source of every figure; its schema modeline made to resolve anywhere.
  return { stdout: portableModeline(readInputFile(presetFile(kind, ref), ref).toString('utf8')), stderr: [], exitCode: 0 };
}

/** The kinds `presets show` knows: the user kinds, and kernel tables (presets/kernels/), shown as KIND/NAME or by file. */
const SHOW_KINDS = [...USER_KINDS, 'kernels'] as const;
const KIND_NOUN: Record<(typeof SHOW_KINDS)[number], string> = { model: 'model', cluster: 'cluster', engine: 'engine', gpu: 'GPU', kernels: 'kernel table' };

/**
 * What NAME is: KIND/NAME says it (gpu/h100-sxm, engine/vllm, kernels/h100-sxm); a plain name is looked up in
 * every user kind, models and clusters first; a file is recognised by its keys (a cluster has gpusPerNode, a
 * GPU bf16DenseTflops, an engine overhead, a kernel table measuredOn, a model layers).
 */
function kindOf(name: string): { kind: PresetKind; ref: string } {
  const slash = /^(model|cluster|gpu|engine|kernels)\/(.+)$/.exec(name);
  if (slash && !isPath(slash[2]!)) {
    const kind = slash[1] as (typeof SHOW_KINDS)[number];
    const ref = slash[2]!;
    // NAME under the wrong KIND: say which kind it is.
    const other = builtinNames(kind).includes(ref) ? undefined : SHOW_KINDS.find((k) => k !== kind && builtinNames(k).includes(ref));
    if (other) {
      throw new InputError(`'${ref}' is ${withArticle(KIND_NOUN[other])}, not ${withArticle(KIND_NOUN[kind])}: presets show ${other}/${ref}`);
    }
    return { kind, ref };
  }
  if (isPath(name)) {
    let text = '';
    try {
      text = readInputFile(name, name).toString('utf8');
    } catch {
      // Unreadable: let the loader report it with its usual message.
    }
    const has = (key: string) => new RegExp(`^${key}\\s*:`, 'm').test(text);
    const kind: PresetKind = has('gpusPerNode')
      ? 'cluster'
      : has('bf16DenseTflops')
        ? 'gpu'
        : has('overhead')
          ? 'engine'
          : has('measuredOn') || has('hbmFractionOfPeak')
            ? 'kernels'
            : 'model';
    return { kind, ref: name };
  }
  const found = USER_KINDS.filter((k) => builtinNames(k).includes(name));
  if (found.length === 1) return { kind: found[0]!, ref: name };
  if (found.length > 1) throw new InputError(`'${name}' is a ${found.join(' and a ')} preset; say which: ${found.map((k) => `${k}/${name}`).join(' or ')}`);
  const near = closestNames(
    name,
    USER_KINDS.flatMap((k) => builtinNames(k)),
  );
  throw new InputError(`unknown preset '${name}'; did you mean ${near.map((n) => `'${n}'`).join(', ')}? ('cp-plan presets list' shows all)`);
}
