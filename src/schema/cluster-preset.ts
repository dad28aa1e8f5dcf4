import { z } from 'zod';

const positive = z.number().positive();
const fraction = z.number().gt(0).max(1);
const nonNegative = z.number().min(0);

const linkSchema = z.strictObject({
  name: z.string().min(1),
  /** Per GPU, per direction: what one GPU can push while it also receives. */
  bandwidthPerDirectionGBps: positive,
  /**
   * What a single point-to-point send to one peer gets, per direction. Equal to
   * bandwidthPerDirectionGBps behind a switch (NVSwitch, one NIC per GPU); one
   * link's worth on a point-to-point mesh (AMD Infinity Fabric). Defaults to
   * bandwidthPerDirectionGBps.
   */
  peerBandwidthPerDirectionGBps: positive.optional(),
  /** Fixed cost of one message or of starting one collective (launch + wire + sync). */
  latencyUs: nonNegative,
  /** Added per ring hop inside a collective (NCCL's per-hop latency). */
  hopLatencyUs: nonNegative,
});

/**
 * A cluster preset as written in YAML: the GPU, how many share a scale-up
 * domain (a node), the two link tiers, and the calibrated efficiencies.
 * Every figure carries its unit in its key; FLOPS are dense (no sparsity).
 */
export const clusterPresetSchema = z
  .strictObject({
  name: z.string().min(1),
  displayName: z.string().min(1),
  source: z.string().min(1),
  gpu: z.strictObject({
    name: z.string().min(1),
    bf16DenseTflops: positive,
    /** Omit for GPUs without FP8 tensor cores: FP8 weights then run as weight-only quantisation at the BF16 rate. */
    fp8DenseTflops: positive.optional(),
    hbmCapacityGB: positive,
    hbmBandwidthTBps: positive,
  }),
  gpusPerNode: z.number().int().positive(),
  /** Largest number of nodes this cluster offers. */
  maxNodes: z.number().int().positive().max(100_000, 'is implausibly large (over 100000 nodes); check the value'),
  scaleUp: linkSchema.extend({ kind: z.enum(['nvlink', 'infinity-fabric', 'pcie']) }),
  scaleOut: linkSchema.extend({ kind: z.enum(['rdma', 'tcp']) }),
  /** Achieved fraction of each peak (dimensionless, 0 < f <= 1). */
  efficiency: z.strictObject({
    gemmFractionOfPeak: fraction,
    attentionFractionOfPeak: fraction,
    hbmFractionOfPeak: fraction,
    scaleUpFractionOfPeak: fraction,
    scaleOutFractionOfPeak: fraction,
    /** All2All reaches a different fraction of the line rate than ring SendRecv. */
    scaleUpAllToAllFractionOfPeak: fraction,
    scaleOutAllToAllFractionOfPeak: fraction,
  }),
  overhead: z.strictObject({
    /** Serial time per context token that CP does not divide (host-side work over the whole sequence). */
    serialUsPerContextToken: nonNegative,
    /** Fixed time per layer of one decode step: kernel launches and small syncs that no roofline term covers. */
    decodeLayerUs: nonNegative,
    /** Fixed time per CP ring step (launch, merge bookkeeping, waiting for the slowest rank). */
    ringStepUs: nonNegative,
  }),
  memory: z.strictObject({
    /** HBM held back per GPU for the CUDA/ROCm context, communication buffers, allocator slack, graphs. */
    runtimeReserveGB: nonNegative,
  }),
  /** The range the calibration was measured over; predictions beyond it carry a warning. Optional. */
  calibratedRange: z
    .strictObject({
      maxContextTokens: z.number().int().positive(),
      maxPrefillCp: z.number().int().positive(),
      maxDecodeCp: z.number().int().positive(),
    })
    .optional(),
  })
  // Schema-valid but physically impossible combinations.
  .refine((c) => c.gpu.fp8DenseTflops === undefined || c.gpu.fp8DenseTflops >= c.gpu.bf16DenseTflops, {
    path: ['gpu', 'fp8DenseTflops'],
    message: 'is below bf16DenseTflops; FP8 tensor cores are never slower than BF16 (check for a sparse or a swapped figure)',
  })
  .refine((c) => (c.scaleUp.peerBandwidthPerDirectionGBps ?? 0) <= c.scaleUp.bandwidthPerDirectionGBps, {
    path: ['scaleUp', 'peerBandwidthPerDirectionGBps'],
    message: 'exceeds bandwidthPerDirectionGBps; one peer cannot get more than the whole link',
  })
  .refine((c) => (c.scaleOut.peerBandwidthPerDirectionGBps ?? 0) <= c.scaleOut.bandwidthPerDirectionGBps, {
    path: ['scaleOut', 'peerBandwidthPerDirectionGBps'],
    message: 'exceeds bandwidthPerDirectionGBps; one peer cannot get more than the whole link',
  })
  .refine((c) => c.memory.runtimeReserveGB < c.gpu.hbmCapacityGB, {
    path: ['memory', 'runtimeReserveGB'],
    message: 'is not smaller than gpu.hbmCapacityGB; nothing would be left for weights and KV',
  });

export type ClusterPreset = z.infer<typeof clusterPresetSchema>;
