import type { EstimateResult } from '../model/estimate.js';
import { formatPercent, formatSeconds, plural } from './format.js';
import { choiceNotes, choiceReason } from './reason.js';
import { VARIANT_LABEL, type SectionContext } from './sections.js';

/** Lines on the pass-KV / pass-Q decision: both TTFTs, the reason, the paper's tests, the crossover. */
export function choiceSection(r: EstimateResult, { chalk }: SectionContext): string[] {
  if (r.layout.cp === 1) return [];
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
