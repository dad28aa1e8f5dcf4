/**
 * Traffic: the requests a deployment serves, as arrays (a simulation of 10^5 requests reads them millions of
 * times). Generated from a workload (lengths, arrival process, prefix hits, turns) with a seeded generator,
 * or read from a trace. Pure and deterministic: the same workload and seed give the same requests.
 */

/** Requests, sorted by arrival: seconds since the start, tokens in the prompt (cached included), cached, output. */
export interface Requests {
  count: number;
  arrivalSec: Float64Array;
  inputTokens: Int32Array;
  cachedTokens: Int32Array;
  outputTokens: Int32Array;
}

/** A token count: fixed, or drawn from a distribution. */
export type Length = number | { uniform: [number, number] } | { lognormal: { median: number; sigma: number; max?: number | undefined } };

/** One kind of request in a mix. */
export interface RequestClass {
  /** Share of requests of this class (weights are normalised). */
  weight: number;
  inputTokens: Length;
  outputTokens: Length;
  /** Share of the prompt found in the prefix cache (0 to < 1). */
  hitRate: number;
  /** Turns of a conversation: each turn after the first finds the whole conversation so far cached. */
  turns: number;
  /** Seconds between a conversation's turns (arrival to arrival). */
  thinkSec: number;
}

/** How requests arrive: open loop at a rate (Poisson or evenly spaced), or closed loop with N clients. */
export type Arrivals = { kind: 'poisson' | 'constant'; ratePerSec: number } | { kind: 'closed'; concurrency: number } | { kind: 'burst' };

export interface TrafficSpec {
  classes: RequestClass[];
  arrivals: Arrivals;
  /** Requests (turns count one each) to generate. */
  requests: number;
  seed: number;
}

/** The most tokens a request may have (arrays of 32-bit integers hold them; a billion is far beyond any model). */
export const MAX_TOKENS = 1_000_000_000;

/** mulberry32: a small, fast, seeded generator of uniform numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function draw(length: Length, u: () => number): number {
  if (typeof length === 'number') return length;
  if ('uniform' in length) {
    const [lo, hi] = length.uniform;
    return Math.round(lo + (hi - lo) * u());
  }
  const { median, sigma, max } = length.lognormal;
  // Box-Muller: one standard normal from two uniforms.
  const z = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const v = Math.max(1, Math.round(median * Math.exp(sigma * z)));
  return Math.min(max ?? MAX_TOKENS, MAX_TOKENS, v);
}

/** The mean of a length, exact for fixed and uniform, the lognormal's (untruncated) mean otherwise. */
export function meanLength(length: Length): number {
  if (typeof length === 'number') return length;
  if ('uniform' in length) return (length.uniform[0] + length.uniform[1]) / 2;
  return length.lognormal.median * Math.exp(length.lognormal.sigma ** 2 / 2);
}

/**
 * Generates the requests of a traffic spec. Open loop: arrivals at the rate (exponential or even gaps); a
 * conversation's later turns arrive thinkSec after the one before (an open-loop stand-in for "after the
 * answer"), with the conversation so far as their cached prefix. Closed loop and burst: all arrive at 0 (the
 * simulator releases closed-loop requests as clients finish).
 */
export function generateRequests(spec: TrafficSpec): Requests {
  const u = rng(spec.seed);
  const n = spec.requests;
  const total = spec.classes.reduce((a, c) => a + c.weight, 0);
  const out = { arrival: [] as number[], input: [] as number[], cached: [] as number[], output: [] as number[] };
  let t = 0;
  while (out.arrival.length < n) {
    // The next conversation's start.
    if (spec.arrivals.kind === 'poisson') t += -Math.log(1 - u()) / spec.arrivals.ratePerSec;
    else if (spec.arrivals.kind === 'constant') t += 1 / spec.arrivals.ratePerSec;
    let pick = u() * total;
    const c = spec.classes.find((k) => (pick -= k.weight) < 0) ?? spec.classes[spec.classes.length - 1]!;
    let history = 0;
    for (let turn = 0; turn < c.turns && out.arrival.length < n; turn++) {
      const fresh = Math.max(1, draw(c.inputTokens, u));
      const prompt = history + fresh;
      const hit = turn === 0 ? Math.min(prompt - 1, Math.round(prompt * c.hitRate)) : history;
      const output = Math.max(1, draw(c.outputTokens, u));
      const open = spec.arrivals.kind === 'poisson' || spec.arrivals.kind === 'constant';
      out.arrival.push(open ? t + turn * c.thinkSec : 0);
      out.input.push(prompt);
      out.cached.push(hit);
      out.output.push(output);
      history = prompt + output;
    }
  }
  return fromRows(out.arrival, out.input, out.cached, out.output);
}

/** Requests from parallel arrays, sorted by arrival (stable: equal arrivals keep their order). */
export function fromRows(arrival: number[], input: number[], cached: number[], output: number[]): Requests {
  const order = arrival.map((_, i) => i).sort((a, b) => arrival[a]! - arrival[b]! || a - b);
  const count = order.length;
  const r: Requests = {
    count,
    arrivalSec: new Float64Array(count),
    inputTokens: new Int32Array(count),
    cachedTokens: new Int32Array(count),
    outputTokens: new Int32Array(count),
  };
  order.forEach((src, i) => {
    r.arrivalSec[i] = arrival[src]!;
    r.inputTokens[i] = input[src]!;
    r.cachedTokens[i] = cached[src]!;
    r.outputTokens[i] = output[src]!;
  });
  return r;
}
