import { smallestEpThatFits, smallestGpusThatFit } from './fit.js';
import { layoutOrProblem } from './layout.js';
import { memoryPerGpu } from './memory.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, Workload } from './types.js';

/**
 * What would make a layout that does not fit in memory fit, each remedy checked with the model's own
 * memory function before it is offered (a hint must fix the problem): on the same GPUs a larger TP,
 * EP, an FP8 KV cache, FP8 weights or a smaller batch; then the fewest GPUs at this TP, with this
 * precision or with an FP8 KV cache when that needs fewer. Empty when nothing tried fits. Pure.
 */
export function remediesThatFit(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): string[] {
  const fits = (l: Layout, p: Precision = precision, w: Workload = workload) => memoryPerGpu(model, cluster, l, p, w).fits;
  const out: string[] = [];
  const here = `on these ${layout.gpus} GPUs`;

  const ep = smallestEpThatFits(model, cluster, layout, precision, workload);
  if (ep !== null) out.push(`--ep ${ep} fits ${here}`);

  // A larger TP on the same GPUs (CP shrinks to match): the smallest that fits.
  for (let tp = layout.tp * 2; tp <= layout.gpus; tp *= 2) {
    if (layout.gpus % tp !== 0) continue;
    const epKept = layout.ep > 1 && layout.ep % tp === 0 ? layout.ep : 1;
    const larger = layoutOrProblem({ gpus: layout.gpus, tp, ep: epKept, ...(layout.cpStyle ? { cpStyle: layout.cpStyle } : {}) }, model, cluster);
    if (typeof larger !== 'string' && fits(larger)) {
      out.push(`--tp ${tp} (CP${larger.cp}) fits ${here}`);
      break;
    }
  }

  const fp8Kv: Precision | null = precision.kvDtype === 'fp8' ? null : { ...precision, kvDtype: 'fp8' };
  if (fp8Kv && fits(layout, fp8Kv)) out.push(`--kv-dtype fp8 fits ${here}`);
  if (precision.weights === 'bf16' && fits(layout, { ...precision, weights: 'fp8' })) out.push(`--weights fp8 fits ${here}`);

  // The largest smaller batch that fits (memory grows with the batch: bisection).
  if (workload.batch > 1 && fits(layout, precision, { ...workload, batch: 1 })) {
    let lo = 1;
    let hi = workload.batch; // fits(lo), not fits(hi)
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(layout, precision, { ...workload, batch: mid })) lo = mid;
      else hi = mid;
    }
    out.push(`--batch ${lo} fits ${here}`);
  }

  const perNode = cluster.gpusPerNode;
  const moreText = (gpus: number) => (gpus % perNode === 0 ? `--nodes ${gpus / perNode}` : `--gpus ${gpus}`);
  const groups = `TP${layout.tp}${layout.ep > 1 ? ` EP${layout.ep}` : ''}`;
  const more = smallestGpusThatFit(model, cluster, layout, precision, workload);
  if (more !== null && more > layout.gpus) out.push(`${moreText(more)} (${groups}, CP${more / layout.tp}) fits`);
  const moreFp8 = fp8Kv && !fits(layout, fp8Kv) ? smallestGpusThatFit(model, cluster, layout, fp8Kv, workload) : null;
  if (moreFp8 !== null && moreFp8 > layout.gpus && (more === null || moreFp8 < more)) {
    out.push(`${moreText(moreFp8)} --kv-dtype fp8 (${groups}, CP${moreFp8 / layout.tp}) fits`);
  }
  // When no GPU count holds the weights at this TP: the smallest larger TP that fits on some GPU count.
  if (more === null && ep === null) {
    for (let tp = layout.tp * 2; tp <= cluster.maxNodes * perNode; tp *= 2) {
      const start = layoutOrProblem({ gpus: tp, tp, ...(layout.cpStyle ? { cpStyle: layout.cpStyle } : {}) }, model, cluster);
      if (typeof start === 'string') continue;
      const gpus = smallestGpusThatFit(model, cluster, start, precision, workload);
      if (gpus !== null) {
        if (gpus > layout.gpus) out.push(`${moreText(gpus)} --tp ${tp} (CP${gpus / tp}) fits`);
        break;
      }
    }
  }
  return out;
}

/** The remedies as one clause of the "does not fit" line, or what was tried when none fits. */
export function remedyText(remedies: readonly string[], cluster: ClusterSpec, weightsFit: boolean): string {
  if (remedies.length) return remedies.join('; or ');
  return `nothing cp-plan tried fits (a larger TP, EP, FP8 KV, FP8 weights, a smaller batch, more GPUs up to ${cluster.maxNodes} nodes); ${weightsFit ? 'shorten the context or ' : ''}use a GPU with more memory`;
}
