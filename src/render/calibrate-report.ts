import Table from './table.js';
import type { FittedParam } from '../calibration/fit.js';
import { COMPACT_CHARS, type tableStyle } from './color.js';
import { round } from './format.js';

/** The fitted parameters in `calibrate --json`: before, after and one standard error, in preset units. */
export function fittedParamsJson<C>(params: readonly FittedParam<C>[]) {
  return params.map((f) => ({
    id: f.param.id,
    key: f.param.presetPath.join('.'),
    before: round(f.before, 6),
    after: round(f.after, 6),
    stdError: f.stdError === null ? null : round(f.stdError, 6),
    atBound: f.atBound,
  }));
}

/** The fitted parameters as the table `calibrate` prints. */
export function fittedParamsTable<C>(params: readonly FittedParam<C>[], style: ReturnType<typeof tableStyle>): string {
  const sig = (x: number) => Number(x.toPrecision(4));
  const t = new Table({
    head: ['Parameter', 'Before', 'After', '± 1 s.e.', 'Bounds'],
    colAligns: ['left', 'right', 'right', 'right', 'left'],
    style,
    chars: COMPACT_CHARS,
  });
  for (const f of params) {
    t.push([
      f.param.presetPath.join('.'),
      sig(f.before),
      sig(f.after) + (f.atBound ? ' (bound)' : ''),
      f.stdError === null ? '-' : sig(f.stdError),
      `[${f.param.lower}, ${f.param.upper}]`,
    ]);
  }
  return t.toString();
}
