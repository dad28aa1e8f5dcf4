import type { EstimateResult } from '../model/estimate.js';
import type { DeployedCluster, LoadedModel } from '../presets/catalog.js';
import { colorEnabled, makeChalk } from './color.js';
import { estimateToTable } from './estimate-table.js';
import { explainToText, type ExplainTerm } from './explain.js';
import { presetsLine } from './provenance.js';

export interface EstimateTextOptions {
  model: LoadedModel;
  cluster: DeployedCluster;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  noColorFlag: boolean;
}

/**
 * The human-readable estimate: tables, the presets used and, with --explain,
 * every term. A module of its own so that --json never loads chalk or cli-table3.
 */
export function estimateText(result: EstimateResult, terms: ExplainTerm[], opts: EstimateTextOptions): string {
  const color = colorEnabled({ isTTY: opts.isTTY, env: opts.env, noColorFlag: opts.noColorFlag, json: false });
  const report = estimateToTable(result, makeChalk(color), color) + presetsLine(opts.model, opts.cluster) + '\n';
  return terms.length > 0 ? report + '\n' + explainToText(terms) : report;
}
