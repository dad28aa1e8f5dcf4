/** Human formatting at the edge; the core stays in SI units. */

export function formatSeconds(sec: number): string {
  if (sec === 0) return '0';
  const abs = Math.abs(sec);
  if (abs >= 100) return `${sec.toFixed(1)} s`;
  if (abs >= 1) return `${sec.toFixed(2)} s`;
  if (abs >= 1e-3) return `${(sec * 1e3).toPrecision(3).replace(/\.?0+$/, '')} ms`;
  return `${(sec * 1e6).toPrecision(3).replace(/\.?0+$/, '')} µs`;
}

/** Decimal units, as HBM capacities are quoted (GB = 10^9 bytes). */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [[1e18, 'EB'], [1e15, 'PB'], [1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'KB']];
  for (const [size, unit] of units) {
    if (Math.abs(bytes) >= size) {
      const value = bytes / size;
      return `${value >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3)} ${unit}`;
    }
  }
  return `${Math.round(bytes)} B`;
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Rounds for JSON: stable, readable, and free of float noise. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
