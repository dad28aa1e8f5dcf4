import { z } from 'zod';
import { InputError } from '../errors.js';
import { parseRate, parseTokenCount } from '../units.js';
import { durationField } from './duration.js';
import { kvDtypes, weightRecipes } from './model-preset.js';

/** A value written with a unit ("1M", "90s", "5%"), read by the CLI's own parser. */
function withUnit(parse: (text: string, flag: string) => number, example: string) {
  return z.union([z.number().positive(), z.string()]).transform((value, ctx) => {
    try {
      if (typeof value === 'number') return value;
      return parse(value, 'value');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as InputError).message.replace(/^value: /, '') || `write it like ${example}` });
      return z.NEVER;
    }
  });
}

const tokens = withUnit(parseTokenCount, '1M');
/** A duration with its unit ("80ms", "90s"); a bare number is refused, as on the command line. */
const duration = durationField;
const positiveInt = z.number().int().positive();

export const checkScenarioSchema = z
  .strictObject({
    name: z.string().min(1),
    model: z.string().min(1).default('llama3-405b'),
    cluster: z.string().min(1).default('gtt'),
    /** The engine (presets/engines/); default: the cluster's. */
    engine: z.string().min(1).optional(),
    weights: z.enum(weightRecipes).optional(),
    kvDtype: z.enum(kvDtypes).optional(),
    attentionDtype: z.enum(['bf16', 'fp8']).optional(),
    /** A fixed layout to check. */
    layout: z
      .strictObject({
        nodes: positiveInt.optional(),
        /** GPUs in total, when not whole nodes (TP4 on half a node); give nodes or gpus. */
        gpus: positiveInt.optional(),
        tp: positiveInt.optional(),
        cp: positiveInt.optional(),
        dcp: positiveInt.optional(),
        ep: positiveInt.optional(),
      })
      .refine((l) => l.nodes !== undefined || l.gpus !== undefined, { message: 'give nodes or gpus' })
      .optional(),
    /** Or: let cp-plan plan the smallest layout that meets the SLOs within these limits. */
    plan: z.strictObject({ maxNodes: positiveInt.optional(), maxGpus: positiveInt.optional() }).optional(),
    workload: z
      .strictObject({
        ctx: tokens.refine(Number.isInteger, 'must be a whole number of tokens'),
        cached: z.union([z.literal(0), tokens.refine(Number.isInteger, 'must be a whole number of tokens')]).optional(),
        missRate: withUnit(parseRate, '5%')
          .refine((r) => r > 0 && r <= 1, 'must be in (0, 100%]')
          .optional(),
        batch: positiveInt.default(1),
      })
      .refine((w) => w.cached === undefined || w.cached < w.ctx, { path: ['cached'], message: 'must be smaller than ctx' }),
    slo: z.strictObject({
      maxTtft: duration.optional(),
      maxTtit: duration.optional(),
      mustFit: z.boolean().default(true),
      minMaxContext: tokens.optional(),
    }),
  })
  .refine((s) => (s.layout === undefined) !== (s.plan === undefined), { message: 'give either layout or plan (one of them)' })
  .refine((s) => s.workload.cached === undefined || s.workload.missRate === undefined, { path: ['workload'], message: 'give cached or missRate, not both' });

export const checkFileSchema = z.strictObject({
  scenarios: z.array(checkScenarioSchema).min(1),
});

export type CheckScenario = z.infer<typeof checkScenarioSchema>;
export type CheckFile = z.infer<typeof checkFileSchema>;
