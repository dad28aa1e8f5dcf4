import type { EstimateResult } from '../model/estimate.js';

/** One model term of a run: what it is, its formula, its value with a unit. */
export interface ExplainTerm {
  phase: 'layout' | 'prefill' | 'decode' | 'memory' | 'choice';
  term: string;
  formula: string;
  value: number;
  unit: string;
}

/** Every term of the model with its value for this run (placeholder; being written). */
export function explainTerms(r: EstimateResult): ExplainTerm[] {
  return [{ phase: 'prefill', term: 'TTFT', formula: 'sum of the prefill terms', value: r.prefill.ttftSec, unit: 's' }];
}

/** The terms as text, grouped by phase. */
export function explainToText(terms: ExplainTerm[]): string {
  return terms.map((t) => `${t.term} = ${t.formula} = ${t.value} ${t.unit}`).join('\n') + '\n';
}
