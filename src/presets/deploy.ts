import { InputError } from '../errors.js';
import type { ClusterHardware, ClusterSpec, EngineSpec, GpuSpec, Provenance } from '../model/types.js';
import type { EnginePreset } from '../schema/engine-preset.js';

const GB = 1e9;
const US = 1e-6;

/**
 * Engine constants in SI units, for the GPU of a cluster; null when the engine does not run on its generation.
 * A constant fitted on another cluster, or measured (or read) for other GPUs than this one, is here transferred.
 */
export function engineSpecFor(p: EnginePreset, gpu: Pick<GpuSpec, 'generation' | 'preset' | 'kernels' | 'hbmBytes'>, clusterName: string): EngineSpec | null {
  const k = p.kernels[gpu.generation];
  if (!k) return null;
  const o = p.overhead;
  const here = (p.fittedOn ?? []).includes(clusterName);
  const provenance: Record<string, Provenance> = {};
  const take = (key: string, c: { value: number; provenance: Provenance; on?: string[] | undefined }): number => {
    const elsewhere = c.provenance === 'fitted' ? !here : c.on !== undefined && !c.on.includes(gpu.preset);
    provenance[key] = elsewhere ? 'transferred' : c.provenance;
    return c.value;
  };
  const tier = (key: string, t: NonNullable<EnginePreset['scheduler']>['prefillChunkTokens'] | undefined): number | null => {
    if (!t) {
      provenance[key] = 'assumed';
      return null;
    }
    provenance[key] = t.provenance;
    const hbmGB = gpu.hbmBytes / GB;
    const hit = t.tiers.find((x) => (x.gpus ? x.gpus.includes(gpu.preset) : x.hbmBelowGB !== undefined ? hbmGB < x.hbmBelowGB : true));
    return hit ? hit.value : null;
  };
  // Without its own figure the engine's kernels cost what the kernel tables show, with the tables' provenance.
  const kernelSec = o.attentionKernelUs ? take('attentionKernelUs', o.attentionKernelUs) * US : null;
  if (!o.attentionKernelUs) provenance.attentionKernelUs = gpu.kernels.provenance;
  return {
    name: p.name,
    displayName: p.displayName,
    source: p.source,
    prefillAttention: k.prefillAttention,
    decodeAttention: k.decodeAttention,
    fp8Attention: k.fp8Attention,
    serialSecPerContextToken: take('serialUsPerContextToken', o.serialUsPerContextToken) * US,
    prefillLayerSec: take('prefillLayerUs', o.prefillLayerUs) * US,
    decodeLayerSec: take('decodeLayerUs', o.decodeLayerUs) * US,
    decodeStepSec: take('decodeStepUs', o.decodeStepUs) * US,
    attentionKernelSec: kernelSec,
    cpDecodeLayerSec: take('cpDecodeLayerUs', o.cpDecodeLayerUs) * US,
    allToAllSetupSec: take('allToAllSetupUs', o.allToAllSetupUs) * US,
    tpCommOverlapFraction: take('tpCommOverlapFraction', p.tpCommOverlapFraction),
    gpuMemoryUtilization: take('gpuMemoryUtilization', p.memory.gpuMemoryUtilization),
    runtimeReserveBytes: take('runtimeReserveGB', p.memory.runtimeReserveGB) * GB,
    memoryFractionCovers: p.memory.fractionCovers ?? 'all',
    cpStyles: p.parallelism?.cpStyles ?? ['ring'],
    dcpSupported: p.parallelism?.dcp ?? true,
    ppSupported: p.parallelism?.pp ?? false,
    ppWithCp: p.parallelism?.ppWithCp ?? true,
    prefillChunkTokens: tier('prefillChunkTokens', p.scheduler?.prefillChunkTokens),
    maxRunningSequences: tier('maxRunningSequences', p.scheduler?.maxRunningSequences),
    maxStepTokens: p.scheduler?.maxStepTokens ? take('maxStepTokens', p.scheduler.maxStepTokens) : null,
    provenance,
  };
}

const ENGINE_KEY_OF: Record<string, string> = {
  serialSecPerContextToken: 'serialUsPerContextToken',
  decodeLayerSec: 'decodeLayerUs',
  decodeStepSec: 'decodeStepUs',
  attentionKernelSec: 'attentionKernelUs',
  cpDecodeLayerSec: 'cpDecodeLayerUs',
  allToAllSetupSec: 'allToAllSetupUs',
};

/**
 * A cluster running an engine: the engine's constants for the cluster's GPU generation, with the
 * cluster's calibration applied when it was fitted with this engine. `how`: whether the engine was
 * chosen (--engine, a row's engine) or is the cluster's default, for the message when it cannot run.
 */
export function deploy(hw: ClusterHardware, engine: EnginePreset, how: 'chosen' | 'default' = 'chosen'): ClusterSpec {
  const spec = engineSpecFor(engine, hw.gpu, hw.name);
  if (!spec) {
    const archs = Object.keys(engine.kernels).join(', ');
    const where = `runs on ${archs} GPUs, not on ${hw.gpu.name} (${hw.gpu.generation})`;
    throw new InputError(
      how === 'default'
        ? `the cluster's default engine ${engine.name} ${where}; pick one with --engine (or change engine: in the cluster file)`
        : `--engine ${engine.name}: ${where}; choose another --engine`,
    );
  }
  const usable = hw.gpu.hbmBytes * spec.gpuMemoryUtilization;
  if (spec.runtimeReserveBytes >= usable) {
    const gb = (b: number) => `${Number((b / GB).toPrecision(3))} GB`;
    throw new InputError(
      `engine ${engine.name} keeps ${gb(spec.runtimeReserveBytes)} for itself, not less than the ${gb(usable)} it may use on ${hw.gpu.name}; check the GPU's hbmCapacityGB or the engine's memory settings`,
    );
  }
  const cal = hw.calibration;
  if (cal && cal.engine === engine.name) {
    const provenance = { ...spec.provenance };
    for (const key of Object.keys(cal.overrides)) provenance[ENGINE_KEY_OF[key]!] = cal.provenance;
    return {
      ...hw,
      engine: { ...spec, ...cal.overrides, provenance },
      scales: {
        engine: cal.engine,
        provenance: cal.provenance,
        gemmScale: cal.gemmScale,
        gemmBandwidthScale: cal.gemmBandwidthScale,
        attentionScale: cal.attentionScale,
        decodeAttentionScale: cal.decodeAttentionScale,
      },
    };
  }
  return { ...hw, engine: spec, scales: { engine: null, gemmScale: 1, gemmBandwidthScale: 1, attentionScale: 1, decodeAttentionScale: 1 } };
}
