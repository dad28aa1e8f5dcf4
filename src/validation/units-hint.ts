/**
 * Measured times in the wrong unit (seconds or microseconds in a ttftMs/ttitMs column) are the commonest
 * mistake in a measurements file. calibrate notices it when every fitted parameter ends at a bound; validate,
 * which fits nothing, when every measured time is off the prediction by the same large factor. Both give
 * the same hint.
 */
export const UNITS_QUESTION = 'are they in milliseconds, for this model and precision?';

/** Beyond this factor, in the same direction for every point, the unit is the likelier cause than the model. */
const FACTOR = 10;

/**
 * The hint, when every measured time is more than 10x above, or every one 10x below, its prediction; else
 * undefined. The factor given is the median measured/predicted ratio.
 */
export function wrongUnitsHint(points: readonly { measured: number; predicted: number }[]): string | undefined {
  const ratios = points.map((p) => p.measured / p.predicted).filter((r) => Number.isFinite(r) && r > 0);
  if (ratios.length === 0 || ratios.length < points.length) return undefined;
  const above = ratios.every((r) => r > FACTOR);
  const below = ratios.every((r) => r < 1 / FACTOR);
  if (!above && !below) return undefined;
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const factor = above ? median : 1 / median;
  const x = `${Number(factor.toPrecision(2))}x`;
  const how = ratios.length === 1 ? `the measured time is ${x}` : `every measured time is more than ${FACTOR}x (median ${x})`;
  return `${how} ${above ? 'above' : 'below'} cp-plan's prediction: ${UNITS_QUESTION}`;
}
