import { z } from 'zod';

/**
 * Published serving runs (validation/serving.yaml; schema: cp-plan schema serving-measurements): a
 * deployment, its traffic (closed loop at a concurrency, or a request rate) and what it measured. `cp-plan
 * validate` replays each with `cp-plan serve`'s simulation.
 */
export const servingFileSchema = z.strictObject({
  servingRuns: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(200),
        role: z.enum(['fit', 'held-out']),
        ref: z.string().min(1),
        engine: z.string().min(1),
        engineVersion: z.string().optional(),
        model: z.string().min(1),
        cluster: z.string().min(1),
        gpus: z.number().int().positive(),
        tp: z.number().int().positive(),
        dp: z.number().int().positive().default(1),
        ep: z.number().int().positive().default(1),
        weights: z.enum(['bf16', 'fp8', 'fp8-ffn', 'nvfp4', 'mxfp4', 'int4']),
        kvDtype: z.enum(['bf16', 'fp8']),
        /** Mean tokens per request (with lengthsRandom: uniform on [0.8 L, L], mean 0.9 L). */
        inputTokens: z.number().positive(),
        outputTokens: z.number().positive(),
        lengthsRandom: z.boolean().default(false),
        requests: z.number().int().positive(),
        concurrency: z.number().int().positive().nullable(),
        requestRate: z.number().positive().nullable(),
        measured: z.strictObject({
          requestThroughput: z.number().positive().optional(),
          outputTokensPerSec: z.number().positive(),
          totalTokensPerSec: z.number().positive().optional(),
          meanTtftMs: z.number().positive().optional(),
          medianTtftMs: z.number().positive().optional(),
          p99TtftMs: z.number().positive().optional(),
          meanTpotMs: z.number().positive().optional(),
          medianTpotMs: z.number().positive().optional(),
          meanItlMs: z.number().positive().optional(),
        }),
        note: z.string().optional(),
      }),
    )
    .min(1),
});
export type ServingRun = z.infer<typeof servingFileSchema>['servingRuns'][number];
