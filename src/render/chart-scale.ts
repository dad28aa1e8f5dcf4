/**
 * Axis ticks and scales shared by the SVG charts and the terminal chart: round
 * numbers (1, 2, 5 x 10^k), five to eight of them where the range allows, and
 * decades on a log scale. Pure.
 */

const MULTIPLES = [1, 2, 5];
const clean = (v: number) => Number(v.toPrecision(12));

/** The round steps from fine to coarse around a span: ..., 0.5, 1, 2, 5, 10, 20, ... */
function steps(span: number, integer: boolean): number[] {
  const top = Math.floor(Math.log10(span || 1));
  const out: number[] = [];
  for (let k = top - 3; k <= top + 1; k++) for (const m of MULTIPLES) out.push(clean(m * 10 ** k));
  return integer ? out.filter((s) => s >= 1) : out;
}

/** Ticks of one step from lo to hi: covering them (the first at or below lo, the last at or above hi), or only inside them. */
function ticksOf(lo: number, hi: number, step: number, cover: boolean): number[] {
  const first = cover ? Math.floor(lo / step + 1e-9) : Math.ceil(lo / step - 1e-9);
  const last = cover ? Math.ceil(hi / step - 1e-9) : Math.floor(hi / step + 1e-9);
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(clean(i * step));
  return out;
}

/**
 * Round ticks for [lo, hi]: the finest round step that gives at most `max` ticks (so at least
 * five where the range allows). `cover` extends the ticks past the data to a round number at each
 * end (a value axis); without it they lie within the data (an axis of swept values). `integer`
 * keeps the step whole (nodes, GPUs, batch).
 */
export function niceTicks(lo: number, hi: number, o: { cover?: boolean; integer?: boolean; max?: number } = {}): number[] {
  const max = o.max ?? 8;
  if (!(hi > lo)) {
    const v = Number.isFinite(lo) ? lo : 0;
    return v === 0 ? [0, 1] : [Math.min(0, v), Math.max(0, v)];
  }
  const candidates = steps(hi - lo, o.integer ?? false).map((s) => ticksOf(lo, hi, s, o.cover ?? true));
  return candidates.find((t) => t.length <= max && t.length >= 2) ?? candidates[candidates.length - 1]!;
}

/**
 * Log-scale ticks covering [lo, hi] (both > 0): every decade, and 2 and 5 between them when the
 * range spans fewer than three decades (or, for a very wide range, every other decade).
 */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo) + 1e-9);
  let b = Math.ceil(Math.log10(hi) - 1e-9);
  if (b === a) b = a + 1;
  const out: number[] = [];
  const every = b - a > 8 ? Math.ceil((b - a) / 8) : 1;
  for (let k = a; k <= b; k += every) {
    out.push(clean(10 ** k));
    if (b - a < 3 && k < b) for (const m of [2, 5]) out.push(clean(m * 10 ** k));
  }
  // The ticks between the data and the round ends that hold no data are dropped, keeping one at each end.
  const sorted = out.sort((x, y) => x - y);
  const from = Math.max(
    0,
    sorted.findLastIndex((t) => t <= lo * (1 + 1e-9)),
  );
  const to = sorted.findIndex((t) => t >= hi * (1 - 1e-9));
  return sorted.slice(from, to < 0 ? sorted.length : to + 1);
}

/**
 * A value axis: its ticks and the map from a value to [0, 1] (bottom to top), logarithmic or linear
 * (from zero, or with `zero: false` from a round number below the data: a terminal has few rows).
 */
export interface ValueAxis {
  ticks: number[];
  at(v: number): number;
  /** Whether a value can be drawn (log: positive). */
  drawable(v: number): boolean;
}

export function valueAxis(values: readonly number[], log: boolean, zero = true): ValueAxis {
  if (log) {
    const pos = values.filter((v) => Number.isFinite(v) && v > 0);
    const ticks = pos.length ? logTicks(Math.min(...pos), Math.max(...pos)) : [1, 10];
    const lo = Math.log10(ticks[0]!);
    const hi = Math.log10(ticks[ticks.length - 1]!);
    return { ticks, at: (v) => (Math.log10(v) - lo) / (hi - lo || 1), drawable: (v) => Number.isFinite(v) && v > 0 };
  }
  const fin = values.filter(Number.isFinite);
  const ticks = niceTicks(Math.min(...(zero ? [0] : []), ...fin), fin.length ? Math.max(...fin) : 1, { cover: true });
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  return { ticks, at: (v) => (v - lo) / (hi - lo || 1), drawable: Number.isFinite };
}
