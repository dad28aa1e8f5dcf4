import { readFileSync } from 'node:fs';
import Table from 'cli-table3';
import { InputError } from '../errors.js';
import { kvBytesPerToken, kvCacheBytesPerSequence } from '../model/kv-cache.js';
import { activeParams, totalParams } from '../model/shapes.js';
import { attentionSummary, ffnSummary } from '../render/architecture.js';
import { builtinCluster, builtinModel, builtinNames, isPath, loadCluster, loadModel, presetFile, type PresetKind } from '../presets/catalog.js';
import { closestNames } from '../presets/closest.js';
import { COMPACT_CHARS, colorEnabled, makeChalk, tableStyle } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatBytes, formatInt } from '../render/format.js';
import type { CommandContext, CommandResult } from './result.js';

export interface PresetsOptions {
  json: boolean;
  color: boolean;
}

export function runPresetsList(opts: PresetsOptions, ctx: CommandContext): CommandResult {
  const models = builtinNames('model').map((n) => builtinModel(n));
  const clusters = builtinNames('cluster').map((n) => builtinCluster(n));
  if (opts.json) {
    const doc = {
      schemaVersion: SCHEMA_VERSION,
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
        gpu: c.gpu.name,
        gpusPerNode: c.gpusPerNode,
        maxNodes: c.maxNodes,
        source: c.source,
      })),
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
    head: ['Cluster', 'GPU', 'GPUs/node', 'BF16 TF/s', 'FP8 TF/s', 'HBM', 'HBM TB/s', 'Scale-up GB/s', 'Scale-out GB/s', 'Max nodes'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    style,
    chars: COMPACT_CHARS,
  });
  for (const { preset: c } of clusters) {
    ct.push([
      c.name,
      c.gpu.name,
      c.gpusPerNode,
      c.gpu.bf16DenseTflops,
      c.gpu.fp8DenseTflops ?? '-',
      `${c.gpu.hbmCapacityGB} GB`,
      c.gpu.hbmBandwidthTBps,
      `${c.scaleUp.peerBandwidthPerDirectionGBps ?? c.scaleUp.bandwidthPerDirectionGBps} ${c.scaleUp.kind}`,
      `${c.topology.nicsPerNode ?? c.gpusPerNode}x${c.scaleOut.bandwidthPerNicGBps} ${c.scaleOut.kind}`,
      c.maxNodes,
    ]);
  }
  const text = [
    chalk.bold('Models'),
    mt.toString(),
    '',
    chalk.bold('Clusters') + ' (dense FLOPS; bandwidths per GPU per direction; scale-up to one peer)',
    ct.toString(),
    '',
    'KV/token: the layers whose cache grows with the context; KV at max: one sequence at the maximum context, all layers (sliding, chunked and linear layers capped).',
    "Show one with 'cp-plan presets show NAME'; pass your own YAML file with --model/--cluster PATH.",
  ].join('\n');
  return { stdout: text + '\n', stderr: [], exitCode: 0 };
}

export async function runPresetsShow(name: string, opts: PresetsOptions): Promise<CommandResult> {
  const kind = kindOf(name);
  // Loading validates: a user's file is printed only if it is a valid preset.
  const loaded = kind === 'model' ? await loadModel(name) : await loadCluster(name);
  if (opts.json) {
    const doc = { schemaVersion: SCHEMA_VERSION, kind, name: loaded.preset.name, file: loaded.file, preset: loaded.preset };
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr: [], exitCode: 0 };
  }
  // The file itself: its comments carry the source of every figure.
  return { stdout: readFileSync(presetFile(kind, name), 'utf8'), stderr: [], exitCode: 0 };
}

/** A cluster file is recognised by its top-level `gpu:` block. */
function kindOf(name: string): PresetKind {
  if (isPath(name)) {
    let text = '';
    try {
      text = readFileSync(name, 'utf8');
    } catch {
      // Unreadable: let the loader report it with its usual message.
    }
    return /^gpu\s*:/m.test(text) ? 'cluster' : 'model';
  }
  if (builtinNames('model').includes(name)) return 'model';
  if (builtinNames('cluster').includes(name)) return 'cluster';
  const near = closestNames(name, [...builtinNames('model'), ...builtinNames('cluster')]);
  throw new InputError(
    `unknown preset '${name}'; did you mean ${near.map((n) => `'${n}'`).join(', ')}? ('cp-plan presets list' shows all)`,
  );
}
