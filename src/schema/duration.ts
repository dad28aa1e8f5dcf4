import { z } from 'zod';
import { InputError } from '../errors.js';
import { parseDuration } from '../units.js';

/**
 * A duration in a YAML file, read as the command line reads one: a number with its unit ("80ms", "90s",
 * "2min"). A bare number is refused, naming the fix: 40 could mean 40 ms or 40 s, and the difference
 * is a thousandfold. Returns seconds.
 */
export const durationField = z
  .string({ error: (issue) => (typeof issue.input === 'number' ? `${issue.input} has no unit; write ${issue.input}ms or ${issue.input}s` : undefined) })
  .transform((value, ctx) => {
    try {
      return parseDuration(value, 'value');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as InputError).message.replace(/^value: /, '') });
      return z.NEVER;
    }
  });
