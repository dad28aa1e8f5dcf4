import { z } from 'zod';
import { kvDtypes, weightRecipes } from './model-preset.js';

const positiveInt = z.number().int().positive();
const positive = z.number().positive();
const role = z.enum(['fit', 'held-out']);

/** One measured run: a layout, a workload, and its measured TTFT and/or TTIT. */
export const measurementSchema = z
  .strictObject({
    /** A short label for reports. */
    name: z.string().min(1).optional(),
    nodes: positiveInt,
    tp: positiveInt.optional(),
    cp: positiveInt.optional(),
    dcp: positiveInt.optional(),
    /** Tokens of context after the prefill (P + T). */
    contextTokens: positiveInt,
    /** Tokens already in the KV cache before the prefill (P). */
    cachedTokens: z.number().int().min(0).default(0),
    batch: positiveInt.default(1),
    /** The ring variant the measured run used; `auto` when not known or not relevant. */
    variant: z.enum(['auto', 'pass-kv', 'pass-q']).default('auto'),
    /** Measured time to first token, milliseconds. */
    ttftMs: positive.optional(),
    /** Measured time per output token after the prefill, milliseconds. */
    ttitMs: positive.optional(),
    /** Whether the case was used to fit parameters; `validate` reports the two groups apart. */
    role: role.default('fit'),
    /** Where the figure comes from. */
    ref: z.string().min(1).optional(),
  })
  .refine((m) => m.ttftMs !== undefined || m.ttitMs !== undefined, { message: 'needs ttftMs, ttitMs or both' })
  .refine((m) => m.cachedTokens < m.contextTokens, { path: ['cachedTokens'], message: 'must be smaller than contextTokens' });

/** A component time of one ring iteration (the paper's Table 5), in microseconds. */
export const ringIterationSchema = z.strictObject({
  nodes: positiveInt,
  tp: positiveInt.optional(),
  contextTokens: positiveInt,
  cachedTokens: z.number().int().min(0),
  variant: z.enum(['pass-kv', 'pass-q']),
  sendRecvUs: positive,
  attentionUs: positive,
  allToAllUs: positive.optional(),
  role,
  ref: z.string().min(1).optional(),
});

/** The components of one layer's decode attention (the paper's Table 8 columns). */
export const decodeAttentionComponents = ['kernel', 'attention', 'sendRecv', 'allToAll', 'whole'] as const;
export type DecodeAttentionComponent = (typeof decodeAttentionComponents)[number];

/**
 * One layer of decode attention, by component, in microseconds (the paper's Table 8): one attention
 * kernel, all kernels of the layer, the ring's SendRecvs, its All2All, and the whole.
 */
export const decodeAttentionSchema = z.strictObject({
  nodes: positiveInt,
  tp: positiveInt.optional(),
  contextTokens: positiveInt,
  batch: positiveInt,
  kernelUs: positive,
  attentionUs: positive,
  sendRecvUs: z.number().min(0),
  allToAllUs: z.number().min(0),
  wholeUs: positive,
  role,
  /** The components of a fit row that set a parameter; the others are held out. */
  fitComponents: z.array(z.enum(decodeAttentionComponents)).optional(),
  ref: z.string().min(1).optional(),
});

/**
 * A file of measurements of one model on one cluster: the shipped paper dataset
 * (`cp-plan validate`) and users' own runs (`cp-plan calibrate`, `validate --data`).
 */
export const measurementsFileSchema = z.strictObject({
  source: z.string().min(1).optional(),
  /** Model preset name or path to a model YAML file. */
  model: z.string().min(1),
  /** Cluster preset the measurements were taken on (a name or path); --cluster overrides it. */
  cluster: z.string().min(1).optional(),
  /** The engine the measurements ran on (presets/engines/); default: the cluster's. */
  engine: z.string().min(1).optional(),
  weights: z.enum(weightRecipes).optional(),
  kvDtype: z.enum(kvDtypes).optional(),
  measurements: z.array(measurementSchema).min(1),
  ringIterations: z.array(ringIterationSchema).optional(),
  decodeAttention: z.array(decodeAttentionSchema).optional(),
});

export type Measurement = z.infer<typeof measurementSchema>;
export type RingIterationMeasurement = z.infer<typeof ringIterationSchema>;
export type DecodeAttentionMeasurement = z.infer<typeof decodeAttentionSchema>;
export type MeasurementsFile = z.infer<typeof measurementsFileSchema>;
