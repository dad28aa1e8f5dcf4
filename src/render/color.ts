import { Chalk, type ChalkInstance } from 'chalk';

export interface ColorContext {
  isTTY: boolean;
  env: Record<string, string | undefined>;
  /** --no-color given. */
  noColorFlag: boolean;
  json: boolean;
}

/**
 * The one colour decision every writer follows: off for JSON, --no-color,
 * NO_COLOR (any non-empty value) or FORCE_COLOR=0; on for FORCE_COLOR set
 * otherwise; else only on a terminal that is not TERM=dumb. (chalk alone
 * ignores NO_COLOR and cli-table3 colours even when piped, so neither decides.)
 */
export function colorEnabled(ctx: ColorContext): boolean {
  if (ctx.json || ctx.noColorFlag) return false;
  if (ctx.env.NO_COLOR) return false;
  const force = ctx.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return ctx.isTTY && ctx.env.TERM !== 'dumb';
}

export function makeChalk(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}

/** cli-table3 style: its own colours only when colour is on. */
export function tableStyle(enabled: boolean): { head: string[]; border: string[] } {
  return enabled ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] };
}

/** cli-table3 borders without a rule between body rows. */
export const COMPACT_CHARS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
