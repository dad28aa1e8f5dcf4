import { escapeControls } from '../errors.js';

/**
 * A report as the text formats show it: every string in it (a scenario's or a measurement's name, a
 * file's label, a preset's name) with its control characters escaped (\n, \x1b), so that a user's
 * text can neither break a table's rows nor send the terminal an escape sequence. Plain objects and
 * arrays are copied; anything else (numbers, class instances, functions) is kept as it is. JSON
 * output renders the original, exact strings.
 */
export function quoted<T>(value: T): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (Array.isArray(value)) return value.map(quoted) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = quoted(v);
    return out as T;
  }
  return value;
}
