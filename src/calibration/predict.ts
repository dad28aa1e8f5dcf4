import { forRow } from '../errors.js';
import { estimateDecode } from '../model/decode.js';
import { resolveLayout, withoutCp } from '../model/layout.js';
import { estimatePrefillChunked } from '../model/prefill-chunked.js';
import type { ClusterSpec } from '../model/types.js';
import type { Measurement } from '../schema/measurements.js';
import type { ValidationInputs } from '../validation/report.js';

/** One measured time as a fitting target. */
export interface Target {
  measurement: Measurement;
  /** Its index in the file's measurements list (for error messages). */
  row: number;
  metric: 'ttft' | 'ttit';
  measuredSec: number;
}

export function targetsOf(measurements: readonly Measurement[]): Target[] {
  return measurements.flatMap((m, row) => [
    ...(m.ttftMs !== undefined ? [{ measurement: m, row, metric: 'ttft' as const, measuredSec: m.ttftMs / 1e3 }] : []),
    ...(m.ttitMs !== undefined ? [{ measurement: m, row, metric: 'ttit' as const, measuredSec: m.ttitMs / 1e3 }] : []),
  ]);
}

/**
 * The predicted time of a target: the same prefill (chunked as the engine chunks) and decode functions that
 * `estimate` calls (auto = the faster variant), without the memory searches
 * and the crossover bisection a fit has no use for.
 */
export function predictSec(t: Target, inputs: ValidationInputs, cluster: ClusterSpec): number {
  const m = t.measurement;
  return forRow(t.row, () => {
    // The engine's default CP style, as estimate uses it.
    const layout = resolveLayout({ nodes: m.nodes, tp: m.tp, cp: m.cp, dcp: m.dcp, cpStyle: cluster.engine.cpStyles[0] }, inputs.model, cluster);
    const workload = { contextTokens: m.contextTokens, cachedTokens: m.cachedTokens, batch: m.batch };
    if (t.metric === 'ttit') {
      const decodeLayout = layout.cp > 1 && layout.cpStyle === 'all-gather' ? withoutCp(layout, inputs.model, cluster) : layout;
      return estimateDecode(inputs.model, cluster, decodeLayout, inputs.precision, workload).ttitSec;
    }
    const variants = m.variant === 'auto' ? (['pass-kv', 'pass-q'] as const) : [m.variant];
    // Chunked as the engine chunks (its default prefill chunk), as estimate does.
    return Math.min(
      ...variants.map((v) => estimatePrefillChunked(inputs.model, cluster, layout, inputs.precision, workload, v, cluster.engine.prefillChunkTokens).ttftSec),
    );
  });
}
