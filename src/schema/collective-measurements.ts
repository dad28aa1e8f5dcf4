import { z } from 'zod';

export const collectiveOps = ['all-reduce', 'all-gather', 'reduce-scatter', 'all-to-all', 'sendrecv'] as const;
/** The algorithms a run can be restricted to (NCCL_ALGO); cp-plan's names. */
export const collectiveAlgorithms = ['ring', 'tree', 'nvls', 'nvls-tree', 'hierarchical', 'hierarchical-sharp'] as const;

const point = z
  .tuple([z.number().int().positive(), z.number().positive().nullable(), z.number().min(0).nullable()])
  .refine(([, time, bus]) => time !== null || (bus !== null && bus > 0), { message: 'needs a time in us or a bus bandwidth above 0' });

/**
 * One nccl-tests run: an operation on a number of GPUs of a cluster preset,
 * with its measured points [bytes, time us | null, busbw GB/s | null].
 */
export const collectiveSeriesSchema = z.strictObject({
  name: z.string().min(1),
  /** The cluster preset (name or path) whose interconnect the run used. */
  cluster: z.string().min(1),
  op: z.enum(collectiveOps),
  /** Ranks in the run, one per GPU, numbered node by node. */
  gpus: z.number().int().positive(),
  /** Ranks per node when fewer than the cluster's GPUs per node (e.g. one GPU per node); default: full nodes. */
  ranksPerNode: z.number().int().positive().optional(),
  /** The algorithms the run was restricted to (NCCL_ALGO); default: NCCL's own choice. */
  algorithms: z.array(z.enum(collectiveAlgorithms)).min(1).optional(),
  role: z.enum(['fit', 'held-out']),
  ref: z.string().min(1),
  note: z.string().optional(),
  points: z.array(point).min(1),
});

export const collectiveMeasurementsFileSchema = z.strictObject({
  source: z.string().min(1).optional(),
  series: z.array(collectiveSeriesSchema).min(1),
});

export type CollectiveSeries = z.infer<typeof collectiveSeriesSchema>;
export type CollectiveMeasurementsFile = z.infer<typeof collectiveMeasurementsFileSchema>;
