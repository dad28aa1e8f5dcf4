import { z } from 'zod';

const positive = z.number().positive();
const fraction = z.number().gt(0).max(1);
const nonNegative = z.number().min(0);

/** Measured latency of one operation beyond the collective library's model (nccl-tests, or a fit); 0 when none was measured. */
const extraLatency = nonNegative.default(0);
/** Measured pipeline fill of a large message (nccl-tests); 0 when none was measured. */
const pipelineFill = nonNegative.default(0);
/** The message size at which the pipeline fill reaches half its full value. */
const pipelineFillHalf = z.number().positive().default(1_048_576);

/** How a tier's measured parameters were obtained. */
const linkProvenance = z.enum(['measured', 'fitted', 'transferred', 'assumed']).default('assumed');

const engineOverheads = z.strictObject({
  serialUsPerContextToken: nonNegative.optional(),
  decodeLayerUs: nonNegative.optional(),
  decodeStepUs: nonNegative.optional(),
  attentionKernelUs: nonNegative.optional(),
  cpDecodeLayerUs: nonNegative.optional(),
  allToAllSetupUs: nonNegative.optional(),
});

export const gpuArchitectures = ['volta', 'ampere', 'ada', 'hopper', 'blackwell', 'cdna3', 'cdna4'] as const;
export const hostCpus = ['intel', 'amd', 'arm'] as const;

/**
 * A cluster preset as written in YAML: the GPU, how GPUs group into nodes and
 * NVLink domains, the two tiers of the interconnect, and the achieved
 * efficiencies. Every figure carries its unit in its key; FLOPS are dense (no
 * sparsity); bandwidths are per direction.
 */
export const clusterPresetSchema = z
  .strictObject({
    name: z.string().min(1),
    displayName: z.string().min(1),
    source: z.string().min(1),
    /** The GPU model: a preset in presets/gpus/ by name, or the path of a GPU file (relative to this file). */
    gpu: z.string().min(1),
    /** The engine used when --engine is not given: a preset in presets/engines/ by name, or the path of an engine file (relative to this file). */
    engine: z.string().min(1).default('vllm'),
    /** GPUs per node: the unit that owns NICs (an HGX server; a compute tray of an NVL72). */
    gpusPerNode: z.number().int().positive(),
    /** Largest number of nodes this cluster offers. */
    maxNodes: z.number().int().positive().max(100_000, 'is implausibly large (over 100000 nodes); check the value'),
    /** A public on-demand price per GPU-hour, with its source (provider, offer, date); --price-per-gpu-hour overrides it. */
    price: z.strictObject({ perGpuHourUsd: z.number().positive().max(1000), source: z.string().min(1) }).optional(),
    topology: z
      .strictObject({
        /** GPUs that reach each other over the scale-up fabric: 8 on HGX, 32 on GH200 NVL32, 72 on GB200 NVL72. Default: gpusPerNode. */
        nvlinkDomainGpus: z.number().int().positive().optional(),
        /** NICs per node, each at scaleOut.bandwidthPerNicGBps (8 on a rail-optimised HGX node). Default: gpusPerNode. */
        nicsPerNode: z.number().int().positive().optional(),
        /** The host CPU selects NCCL's multi-node LL ceiling and network post overhead. */
        hostCpu: z.enum(hostCpus).default('intel'),
        /** The collective library's cost model, a preset in presets/collectives/. */
        collectives: z.string().min(1).default('nccl'),
      })
      .default({ hostCpu: 'intel', collectives: 'nccl' }),
    scaleUp: z.strictObject({
      kind: z.enum(['nvlink', 'infinity-fabric', 'pcie']),
      name: z.string().min(1),
      /** Per GPU, per direction: what one GPU can push while it also receives. */
      bandwidthPerDirectionGBps: positive,
      /**
       * What a single point-to-point send to one peer gets, per direction. Equal to
       * bandwidthPerDirectionGBps behind a switch (NVSwitch); one link's worth on a
       * point-to-point mesh (AMD Infinity Fabric). Defaults to bandwidthPerDirectionGBps.
       */
      peerBandwidthPerDirectionGBps: positive.optional(),
      /** Measured NVLS (NVLink SHARP, in-switch reduction) all-reduce bus bandwidth; omit when the fabric has none. */
      nvlsBusBandwidthGBps: positive.optional(),
      extraLatencyUs: extraLatency,
      pipelineFillUs: pipelineFill,
      pipelineFillHalfBytes: pipelineFillHalf,
      /** How extraLatencyUs and the fill were obtained: measured (nccl-tests on this hardware), transferred, assumed. */
      provenance: linkProvenance,
    }),
    scaleOut: z.strictObject({
      kind: z.enum(['rdma', 'tcp']),
      name: z.string().min(1),
      /** Per NIC, per direction (400 Gb/s = 50 GB/s). */
      bandwidthPerNicGBps: positive,
      /** The switches reduce in the network (InfiniBand SHARP, NCCL CollNet). */
      inNetworkReduction: z.boolean().default(false),
      extraLatencyUs: extraLatency,
      pipelineFillUs: pipelineFill,
      pipelineFillHalfBytes: pipelineFillHalf,
      provenance: linkProvenance,
    }),
    /** Achieved fraction of each link's line rate (dimensionless, 0 < f <= 1). */
    efficiency: z.strictObject({
      /** Bus bandwidth of bulk ring collectives (nccl-tests busbw) over the line rate. */
      scaleUpBusFractionOfPeak: fraction,
      scaleUpSendRecvFractionOfPeak: fraction,
      scaleUpAllToAllFractionOfPeak: fraction,
      scaleOutBusFractionOfPeak: fraction,
      scaleOutSendRecvFractionOfPeak: fraction,
      scaleOutAllToAllFractionOfPeak: fraction,
    }),
    /**
     * A fit of this cluster with one engine (cp-plan calibrate): multipliers on the GPU's measured GEMM and
     * attention efficiency curves and engine constants measured here. Applied only when that engine runs.
     */
    calibration: z
      .strictObject({
        /**
         * The engine the fit ran on: a built-in engine (presets/engines/) or the name: of the user's engine file
         * (the cluster's engine: file, or the one given with --engine). Another name is refused when the cluster is
         * deployed: a typo would silently drop the calibration.
         */
        engine: z.string().min(1),
        /** fitted: on this cluster's measurements; transferred: copied from another cluster's fit. */
        provenance: z.enum(['fitted', 'transferred']),
        source: z.string().min(1),
        gemmEfficiencyScale: z.number().gt(0).max(4).default(1),
        /** The same for GEMMs that read their weights (below the roofline's ridge: decode, short prompts). */
        gemmBandwidthEfficiencyScale: z.number().gt(0).max(4).default(1),
        attentionEfficiencyScale: z.number().gt(0).max(4).default(1),
        decodeAttentionEfficiencyScale: z.number().gt(0).max(4).default(1),
        overhead: engineOverheads.default({}),
      })
      .optional(),
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
  .refine((c) => (c.scaleUp.peerBandwidthPerDirectionGBps ?? 0) <= c.scaleUp.bandwidthPerDirectionGBps, {
    path: ['scaleUp', 'peerBandwidthPerDirectionGBps'],
    message: 'exceeds bandwidthPerDirectionGBps; one peer cannot get more than the whole link',
  })
  .refine((c) => (c.topology.nvlinkDomainGpus ?? c.gpusPerNode) % c.gpusPerNode === 0, {
    path: ['topology', 'nvlinkDomainGpus'],
    message: 'must be a multiple of gpusPerNode (an NVLink domain is made of whole nodes)',
  });

export type ClusterPreset = z.infer<typeof clusterPresetSchema>;
