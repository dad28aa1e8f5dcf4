import type { EstimateResult } from '../model/estimate.js';
import type { StyleOption } from '../model/style-choice.js';
import type { CpStyle } from '../model/types.js';
import { builtinEngine, builtinNames } from '../presets/catalog.js';
import { formatBytes, formatPercent, formatSeconds, plural } from './format.js';
import { choiceNotes, choiceReason } from './reason.js';
import { VARIANT_LABEL, type SectionContext } from './sections.js';

/**
 * Lines on the CP style (every style's TTFT and memory on these GPUs, the engine's and the rest, and why this
 * one), then, with a ring, the pass-KV / pass-Q decision: both TTFTs, the reason, the paper's tests, the
 * crossover.
 */
export function choiceSection(r: EstimateResult, ctx: SectionContext): string[] {
  if (r.layout.cp === 1) return [];
  const style = styleLines(r, ctx);
  return (r.layout.cpStyle ?? 'ring') === 'ring' ? [...style, ...ringLines(r, ctx)] : style;
}

/** Why this CP style: each style's TTFT and memory per GPU here, and the verdict. */
function styleLines(r: EstimateResult, { chalk }: SectionContext): string[] {
  const used = r.layout.cpStyle ?? 'ring';
  const describe = (o: StyleOption) =>
    o.ttftSec === null
      ? `${o.style}: cannot (${o.problem!.replace(/^--cp-style \w+: /, '').split(';')[0]})`
      : `${o.style} ${formatSeconds(o.ttftSec)}, ${formatBytes(o.memoryBytes!)}/GPU${o.fits ? '' : ' (does not fit)'}${o.runByEngine ? '' : ` (not run by ${r.cluster.engine.name})`}`;
  const valid = r.styles.filter((o) => o.ttftSec !== null && o.fits);
  const fastest = [...valid].sort((a, b) => a.ttftSec! - b.ttftSec!)[0];
  const mine = r.styles.find((o) => o.style === used);
  let why: string;
  if (!fastest || !mine || mine.ttftSec === null) why = `${used} is what was asked for`;
  else if (fastest.style === used) why = `${used} is the fastest style that fits on this layout`;
  else {
    const gap = mine.ttftSec / fastest.ttftSec! - 1;
    why =
      gap < 0.02
        ? `${used} is within ${formatPercent(gap)} of the fastest style here (${fastest.style}): a tie within the model's accuracy`
        : `${fastest.style} would be ${formatPercent(gap)} faster${fastest.runByEngine ? ` (give --cp-style ${fastest.style})` : `, but ${r.cluster.engine.name} does not run it (${whoRuns(fastest.style)})`}`;
  }
  return [chalk.bold('CP style') + `  ${used}; ${r.styles.map(describe).join('; ')}`, `  Why: ${why}`];
}

/** The shipped engine profiles (presets/engines/) whose parallelism.cpStyles include `style`, as a clause. */
export function whoRuns(style: CpStyle): string {
  const engines = builtinNames('engine').filter((name) => builtinEngine(name).preset.parallelism?.cpStyles?.includes(style));
  return engines.length === 0 ? 'no shipped engine profile runs it' : `--engine ${engines.join(' or --engine ')} does`;
}

function ringLines(r: EstimateResult, { chalk }: SectionContext): string[] {
  const kv = r.variants['pass-kv'].ttftSec;
  const q = r.variants['pass-q'].ttftSec;
  const h = r.heuristic;
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const lines = [
    chalk.bold('Ring variant') +
      `  pass-KV ${formatSeconds(kv)}, pass-Q ${formatSeconds(q)}: ${VARIANT_LABEL[r.fasterVariant]} is faster by ${formatSeconds(Math.abs(kv - q))}`,
    `  Why: ${choiceReason(r)}`,
    `  Paper (C = ${(h.computeFlopsPerSec / 1e12).toFixed(0)} TFLOP/s, BW = ${(h.bandwidthBytesPerSec / 1e9).toFixed(1)} GB/s achieved per GPU; miss rate ${formatPercent(h.missRate)}):`,
    `    Eq.1 Q smaller than KV if miss rate <= ${formatPercent(h.eq1.threshold)}: ${yes(h.eq1.holds)}; ` +
      `Eq.2 pass-KV hidden if T >= ${plural(Math.ceil(h.eq2.minNewTokens), 'token')}: ${yes(h.eq2.holds)}`,
    `    Eq.3 pass-Q hidden if T+P >= ${plural(Math.ceil(h.eq3.minContextTokens), 'token')}: ${yes(h.eq3.holds)}; ` +
      (h.eq5.threshold > 0
        ? `Eq.5 pass-Q if miss rate <= ${formatPercent(h.eq5.threshold)}: ${yes(h.eq5.holds)}`
        : `Eq.5 threshold below 0: pass-KV at any miss rate`),
    `    Algorithm 1: ${VARIANT_LABEL[h.algorithm1]}; Algorithm 5: ${VARIANT_LABEL[h.algorithm5]}`,
  ];
  const c = r.crossover;
  lines.push(
    c.missRate === null
      ? `  Crossover: none at this context; ${VARIANT_LABEL[c.above]} is faster at every miss rate`
      : `  Crossover: ${VARIANT_LABEL[c.below]} below a ${formatPercent(c.missRate)} miss rate, ${VARIANT_LABEL[c.above]} above`,
  );
  for (const note of choiceNotes(r)) lines.push(chalk.yellow(`  Note: ${note}`));
  return lines;
}
