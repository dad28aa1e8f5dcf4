import { z } from 'zod';
import { durationField } from './duration.js';
import { parseRate, parseRequestRate, parseTokenCount } from '../units.js';

/** A token count in a workload file: 8000, "8K", "128Ki" (the CLI's --ctx syntax). */
const tokens = z.union([z.number().int().positive().max(1e9, 'is over a billion tokens'), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  try {
    const n = parseTokenCount(v, 'tokens');
    if (n > 1e9) throw new Error('is over a billion tokens');
    return n;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^tokens: /, '') });
    return z.NEVER;
  }
});

/** A length: fixed tokens, uniform between two, or lognormal around a median. */
const length = z.union([
  tokens,
  z
    .strictObject({ uniform: z.tuple([tokens, tokens]) })
    .refine((v) => v.uniform[0] <= v.uniform[1], { message: 'uniform: the first bound must not exceed the second' }),
  z.strictObject({ lognormal: z.strictObject({ median: tokens, sigma: z.number().min(0).max(4), max: tokens.optional() }) }),
]);

/** A share: 0.25 or "25%". */
const share = z.union([z.number().min(0).lt(1), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  try {
    const r = parseRate(v, 'hitRate');
    if (r >= 1) throw new Error('must be below 100%');
    return r;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^hitRate: /, '') });
    return z.NEVER;
  }
});

/** A duration with its unit: "30s", "2min" (a bare number is refused, as on the command line). */
const duration = durationField;

/** A request rate: "2/s", "120/min", "7200/h". */
export const requestRate = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'number') {
    ctx.addIssue({ code: 'custom', message: `a rate needs its unit, as on the command line: ${v}/s, ${v}/min or ${v}/h` });
    return z.NEVER;
  }
  try {
    return parseRequestRate(v, 'rate');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^rate: /, '') });
    return z.NEVER;
  }
});

/**
 * A serving workload (cp-plan serve --workload FILE; schema: cp-plan schema workload): a mix of request
 * classes, how they arrive, and how many to simulate.
 */
export const workloadFileSchema = z
  .strictObject({
    /** Requests to simulate (a conversation's turns count one each). */
    requests: z.number().int().positive().max(10_000_000).default(1000),
    seed: z.number().int().min(0).default(1),
    /** Open loop: requests per unit of time. Give this or concurrency. */
    rate: requestRate.optional(),
    /** Closed loop: clients, each sending its next request when the last one finishes. */
    concurrency: z.number().int().positive().optional(),
    /** Open loop: exponential gaps (poisson) or even ones (constant). */
    arrival: z.enum(['poisson', 'constant']).default('poisson'),
    classes: z
      .array(
        z.strictObject({
          name: z.string().max(100).optional(),
          weight: z.number().positive().default(1),
          /** Prompt tokens (new in the first turn; each later turn adds these to the conversation so far). */
          inputTokens: length,
          outputTokens: length,
          /** Share of a first turn's prompt found in the prefix cache. */
          hitRate: share.default(0),
          turns: z.number().int().positive().max(1000).default(1),
          /** Between a conversation's turns (arrival to arrival). */
          think: duration.optional(),
        }),
      )
      .min(1),
  })
  .refine((w) => (w.rate === undefined) !== (w.concurrency === undefined), {
    message: 'give rate (open loop) or concurrency (closed loop), not both and not neither',
  });
export type WorkloadFile = z.infer<typeof workloadFileSchema>;

/** One line of a JSONL trace: when the request arrives (seconds from the start) and its token counts. */
export const traceLineSchema = z.strictObject({
  arrival: z.number().min(0).max(1e9),
  input: z.number().int().positive().max(1e9, 'is over a billion tokens'),
  cached: z.number().int().min(0).max(1e9).default(0),
  output: z.number().int().positive().max(1e9, 'is over a billion tokens'),
});
