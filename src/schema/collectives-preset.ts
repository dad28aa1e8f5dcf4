import { z } from 'zod';

const nonNegative = z.number().min(0);
const triple = z.tuple([nonNegative, nonNegative, nonNegative]);
const byAlgorithm = z.strictObject({ tree: triple, ring: triple, nvls: triple, nvlsTree: triple, collnetDirect: triple });
const byCpu = z.strictObject({ intel: z.number().positive(), amd: z.number().positive(), arm: z.number().positive() });
const factor = z.number().gt(0).max(1);
const correction = z.array(factor).length(24);

/**
 * A collective library's cost model (presets/collectives/): NCCL's tuning
 * constants, copied from its source with the version. Protocol triples are
 * [LL, LL128, Simple]; latencies in microseconds, bandwidths in GB/s.
 */
export const collectivesPresetSchema = z.strictObject({
  name: z.string().min(1),
  displayName: z.string().min(1),
  source: z.string().min(1),
  baseLatencyUs: byAlgorithm,
  hopLatencyUs: z.strictObject({ nvlink: byAlgorithm, pci: byAlgorithm, net: byAlgorithm }),
  llMaxBusBandwidthGBps: z.strictObject({
    singleNode: z.strictObject({
      volta: z.number().positive(),
      ampere: z.number().positive(),
      hopper: z.number().positive(),
      blackwell: z.number().positive(),
    }),
    twoNodes: byCpu,
    moreNodes: byCpu,
  }),
  protocolBandwidthFactor: z.strictObject({
    ringLl: factor,
    ringLl128: factor,
    treeAllReduce: factor,
    treeLl: factor,
    treeLl128SingleNode: factor,
    treeLl128MultiNode: factor,
  }),
  ringPlateauLatencyFactor: z.number().min(1),
  netOverheadUs: z.strictObject({ intel: nonNegative, amd: nonNegative, arm: nonNegative }),
  netOverheadSimpleFactor: z.number().min(1),
  p2pLlThresholdBytes: z.number().int().positive(),
  treeCorrectionFactor: z.strictObject({ ll: correction, ll128: correction, simple: correction }),
});

export type CollectivesPreset = z.infer<typeof collectivesPresetSchema>;
