import { InputError } from '../errors.js';
import type { AttentionDtype, KvDtype, Precision, WeightRecipe } from '../model/types.js';
import { loadDeployment, loadModel, type DeployedCluster, type LoadedModel } from '../presets/catalog.js';
import { formatPercent } from '../render/format.js';

/** The flags every command that takes a workload shares. */
export interface CacheOptions {
  ctx: number;
  cached?: number;
  missRate?: number;
  hitRate?: number;
}

/** Cached tokens from whichever of --cached, --miss-rate, --hit-rate was given (at most one). */
export function cachedTokens(opts: CacheOptions): number {
  const given = (['cached', 'missRate', 'hitRate'] as const).filter((k) => opts[k] !== undefined);
  if (given.length > 1) {
    throw new InputError('--cached, --miss-rate and --hit-rate all say how much is cached; give only one of them');
  }
  let cached = opts.cached ?? 0;
  if (opts.missRate !== undefined) {
    if (opts.missRate <= 0 || opts.missRate > 1) throw new InputError(`--miss-rate: must be in (0, 100%], got ${formatPercent(opts.missRate)}`);
    cached = opts.ctx - Math.max(1, Math.round(opts.ctx * opts.missRate));
  }
  if (opts.hitRate !== undefined) {
    if (opts.hitRate < 0 || opts.hitRate >= 1) throw new InputError(`--hit-rate: must be in [0, 100%), got ${formatPercent(opts.hitRate)}`);
    cached = Math.min(opts.ctx - 1, Math.round(opts.ctx * opts.hitRate));
  }
  if (cached >= opts.ctx) {
    throw new InputError(`--cached ${cached}: must be smaller than --ctx ${opts.ctx} (at least one new token is prefilled)`);
  }
  return cached;
}

/** The precision to use: what was asked for, else the model preset's deployment default. */
export function precisionFor(model: LoadedModel, asked: { weights?: WeightRecipe; kvDtype?: KvDtype; attentionDtype?: AttentionDtype }): Precision {
  return {
    weights: asked.weights ?? model.spec.defaultWeights,
    kvDtype: asked.kvDtype ?? model.spec.defaultKvDtype,
    attentionDtype: asked.attentionDtype ?? 'bf16',
  };
}

/** --prefill-chunk as the model takes it: a token count, null for none (the flag's 0), undefined when not given. */
export function chunkFlag(prefillChunk: number | undefined): number | null | undefined {
  return prefillChunk === undefined ? undefined : prefillChunk || null;
}

/** Loads the model, cluster and engine presets a command names, and resolves the precision. */
export async function loadInputs(opts: {
  model: string;
  cluster: string;
  engine?: string;
  weights?: WeightRecipe;
  kvDtype?: KvDtype;
  attentionDtype?: AttentionDtype;
}) {
  const model = await loadModel(opts.model);
  const deployed = await loadDeployment(opts.cluster, opts.engine);
  const cluster: DeployedCluster = { ...deployed.cluster, spec: deployed.spec, engine: deployed.engine };
  return { model, cluster, precision: precisionFor(model, opts) };
}
