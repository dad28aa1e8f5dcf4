/** Human formatting at the edge; the core stays in SI units. */

/**
 * `value` scaled into the first unit it reaches, with `digits` significant
 * digits. Rounds before choosing the unit, so 0.9996 s is "1.00 s", not
 * "1000 ms"; never prints an exponent.
 */
function scaled(value: number, units: readonly (readonly [number, string])[], digits: number): string {
  if (value === 0) return `0 ${units[units.length - 1]![1]}`;
  const abs = Math.abs(value);
  for (const [size, unit] of units) {
    const rounded = Number((abs / size).toPrecision(digits));
    if (rounded >= 1 || size === units[units.length - 1]![0]) {
      const text = rounded >= 10 ** digits ? Math.round(abs / size).toLocaleString('en-US') : rounded.toPrecision(digits);
      return `${value < 0 ? '-' : ''}${text} ${unit}`;
    }
  }
  return String(value);
}

const SECONDS = [
  [1, 's'],
  [1e-3, 'ms'],
  [1e-6, 'µs'],
  [1e-9, 'ns'],
] as const;
const BYTES = [
  [1e18, 'EB'],
  [1e15, 'PB'],
  [1e12, 'TB'],
  [1e9, 'GB'],
  [1e6, 'MB'],
  [1e3, 'KB'],
  [1, 'B'],
] as const;
const FLOPS = [
  [1e18, 'EFLOP'],
  [1e15, 'PFLOP'],
  [1e12, 'TFLOP'],
  [1e9, 'GFLOP'],
  [1e6, 'MFLOP'],
  [1, 'FLOP'],
] as const;

export function formatSeconds(sec: number): string {
  return sec === 0 ? '0' : scaled(sec, SECONDS, 3);
}

/** Decimal units, as HBM capacities are quoted (GB = 10^9 bytes). */
export function formatBytes(bytes: number): string {
  return scaled(bytes, BYTES, 3);
}

export function formatFlops(flops: number): string {
  return scaled(flops, FLOPS, 3);
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "1 token", "2 tokens". */
export function plural(n: number, word: string): string {
  return `${formatInt(n)} ${word}${n === 1 ? '' : 's'}`;
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Rounds for JSON: stable, readable, and free of float noise. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  // + 0 turns -0 into 0: JSON cannot tell them apart, so the document must not either.
  return Math.round(value * f) / f + 0;
}
