import { InputError, printable } from './errors.js';

/**
 * Token counts: plain integers, or a number with an SI suffix (K = 10^3,
 * M = 10^6, G = 10^9, as the paper uses them) or a binary one (Ki = 2^10,
 * Mi = 2^20, Gi = 2^30). Suffixes are case-insensitive except that the binary
 * `i` must follow the letter. The result must be a whole, positive, safe integer.
 */
const TOKEN_PATTERN = /^(\d+)(?:\.(\d+))?([kKmMgG]i?)?$/;
const SI_EXPONENT: Record<string, number> = { k: 3, m: 6, g: 9 };
const BINARY_EXPONENT: Record<string, number> = { ki: 10, mi: 20, gi: 30 };

export function parseTokenCount(text: string, flag: string): number {
  const match = TOKEN_PATTERN.exec(text);
  if (!match) {
    throw new InputError(
      `${flag}: '${text}' is not a token count; write an integer or a number with K, M, G (10^3, 10^6, 10^9) or Ki, Mi, Gi (2^10, 2^20, 2^30), e.g. 128K or 1M`,
    );
  }
  // Exact decimal arithmetic: a count is either a whole number or an error, never rounded.
  const [, whole, fraction = '', suffixRaw = ''] = match;
  const suffix = suffixRaw.toLowerCase();
  let numerator = BigInt(whole! + fraction);
  const denominator = 10n ** BigInt(fraction.length);
  if (suffix in SI_EXPONENT) numerator *= 10n ** BigInt(SI_EXPONENT[suffix]!);
  if (suffix in BINARY_EXPONENT) numerator *= 2n ** BigInt(BINARY_EXPONENT[suffix]!);
  if (numerator % denominator !== 0n) {
    throw new InputError(`${flag}: '${text}' is not a whole number of tokens; give a whole token count`);
  }
  const tokens = numerator / denominator;
  if (tokens <= 0n) throw new InputError(`${flag}: '${text}' must be at least 1 token`);
  if (tokens > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(`${flag}: '${text}' is too large`);
  return Number(tokens);
}

/** A token count that may be zero (cached tokens). */
export function parseTokenCountOrZero(text: string, flag: string): number {
  return /^0+$/.test(text) ? 0 : parseTokenCount(text, flag);
}

/** Positive whole numbers such as node, TP, CP and batch counts. */
export function parsePositiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) {
    throw new InputError(`${flag}: '${text}' is not a positive whole number`);
  }
  const value = Number(text);
  if (value < 1) throw new InputError(`${flag}: must be at least 1, got '${text}'`);
  if (!Number.isSafeInteger(value)) throw new InputError(`${flag}: '${text}' is too large`);
  return value;
}

/**
 * A rate as a percentage (`10%`, `2.5%`) or a fraction (`0.1`). Returns the
 * fraction; the caller states which interval is allowed.
 */
export function parseRate(text: string, flag: string): number {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const fraction = /^(?:0|1)?(?:\.\d+)?$/.test(text) && text !== '' && text !== '.' ? Number(text) : NaN;
  const value = percent ? Number(percent[1]) / 100 : fraction;
  if (!Number.isFinite(value)) {
    throw new InputError(`${flag}: '${text}' is not a rate; write a percentage such as 10% or a fraction such as 0.1`);
  }
  return value;
}

const DURATION_UNITS: Record<string, number> = { us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, min: 60, h: 3600 };

/** A duration with its unit: `80ms`, `60s`, `1.5min`, `2h`. Returns seconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(us|µs|ms|s|m|min|h)$/.exec(text);
  const value = match ? Number(match[1]) * DURATION_UNITS[match[2]!]! : NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InputError(`${flag}: '${text}' is not a duration; write a positive number with a unit: us, ms, s, min or h (e.g. 80ms, 60s)`);
  }
  return assertDurationInRange(value, text, flag);
}

/** The shortest limit a duration may set: below it, a prediction's ratio to the limit is no longer a finite number. */
export const MIN_DURATION_SEC = 1e-9;

/** Refuses a duration (in seconds) too short to compare a prediction with (it would print as Infinity). */
export function assertDurationInRange(seconds: number, text: string, flag: string): number {
  if (!(seconds >= MIN_DURATION_SEC)) {
    throw new InputError(`${flag}: '${printable(text)}' is shorter than a nanosecond; give a limit of 0.001us or more (e.g. 80ms, 60s)`);
  }
  return seconds;
}

/** A positive number (rates such as tokens per second). */
export function parsePositiveNumber(text: string, flag: string): number {
  const value = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value <= 0) throw new InputError(`${flag}: '${text}' is not a positive number`);
  return value;
}

/**
 * Values to sweep: a list (`8K,128K,1M`) or a range `a..b` with an optional
 * step `a..b:s` (default step 1, or 1% for percentages). Each item is read by
 * `parse`. At most `limit` values; a range has at least two.
 */
export function parseSweepValues(
  text: string,
  flag: string,
  parse: (item: string, flag: string) => number,
  limit = 10_000,
  /** Step of a range without one (1; rates use 0.01). */
  defaultStep = 1,
): number[] {
  const dots = text.indexOf('..');
  const [lowText, rest] = dots >= 0 ? [text.slice(0, dots), text.slice(dots + 2)] : [text, undefined];
  const parts = rest === undefined ? [] : rest.split(':');
  if (parts.length > 2) throw new InputError(`${flag}: '${text}' has more than one step; write from..to:step`);
  const [highText, stepText] = rest === undefined ? [undefined, undefined] : parts;
  let values: number[];
  if (highText !== undefined && !lowText.includes(',') && !highText.includes(',') && !highText.includes('..')) {
    const from = parse(lowText, flag);
    const to = parse(highText, flag);
    const percent = lowText.endsWith('%');
    const step = stepText !== undefined ? parse(stepText, flag) : percent ? 0.01 : defaultStep;
    if (!(to > from) || !(step > 0)) throw new InputError(`${flag}: '${text}' is not an increasing range; write from..to or from..to:step`);
    const count = Math.floor((to - from) / step + 1e-9) + 1;
    if (count > limit) throw new InputError(`${flag}: '${text}' has ${count} values; at most ${limit}`);
    if (count < 2)
      throw new InputError(
        `${flag}: '${text}' holds a single value at its step; give a smaller step, e.g. ${lowText}..${highText}:${percent ? '0.1%' : 'STEP'}`,
      );
    values = Array.from({ length: count }, (_, i) => Number((from + i * step).toPrecision(12)));
  } else {
    if (text.includes('..')) throw new InputError(`${flag}: '${text}' is not a range; write from..to or from..to:step`);
    values = text.split(',').map((item) => parse(item, flag));
  }
  if (new Set(values).size !== values.length) throw new InputError(`${flag}: '${text}' repeats a value`);
  return values;
}

/**
 * A message size in bytes as nccl-tests' -b/-e read it: an integer, or a number
 * with K, M, G, which are powers of 1024 there (1G = 1073741824), also written
 * Ki, Mi, Gi; optionally followed by B: 8, 32K, 256MiB, 1GB. Whole and positive.
 */
export function parseBytes(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmMgG]i?)?[bB]?$/.exec(text);
  if (!match) {
    throw new InputError(
      `${flag}: '${text}' is not a size in bytes; write an integer or a number with K, M, G (powers of 1024, as nccl-tests reads them), optionally followed by B (e.g. 8, 32K, 256M, 1GB)`,
    );
  }
  const binary = match[2] === undefined ? '' : `${match[2][0]!.toUpperCase()}i`;
  try {
    return parseTokenCount(match[1]! + binary, flag);
  } catch {
    throw new InputError(`${flag}: '${text}' is not a whole, positive number of bytes`);
  }
}

/**
 * Message sizes as nccl-tests sweeps them: a size, a list (1K,1M), or a range
 * `from..to` that doubles (nccl-tests -f 2) or multiplies by `:factor`.
 */
export function parseByteSizes(text: string, flag: string, limit = 64): number[] {
  const dots = text.indexOf('..');
  if (dots < 0) {
    const sizes = text.split(',').map((item) => parseBytes(item, flag));
    if (sizes.length > limit) throw new InputError(`${flag}: '${text}' has ${sizes.length} sizes; at most ${limit}`);
    return sizes;
  }
  const [toText, factorText, extra] = text.slice(dots + 2).split(':');
  if (extra !== undefined || text.slice(0, dots).includes(',') || toText!.includes(',')) {
    throw new InputError(`${flag}: '${text}' is not a range; write from..to (doubling) or from..to:factor`);
  }
  const from = parseBytes(text.slice(0, dots), flag);
  const to = parseBytes(toText!, flag);
  const factor = factorText === undefined ? 2 : parsePositiveInt(factorText, flag);
  if (!(to > from)) throw new InputError(`${flag}: '${text}' is not an increasing range; write from..to, e.g. 8..1GiB`);
  if (factor < 2) throw new InputError(`${flag}: '${text}' needs a factor of at least 2 (from..to:factor multiplies each size)`);
  const sizes: number[] = [];
  for (let size = from; size <= to; size *= factor) {
    sizes.push(size);
    if (sizes.length > limit) throw new InputError(`${flag}: '${text}' has more than ${limit} sizes; use a larger factor`);
  }
  return sizes;
}

/** A request rate, requests per second: "2/s", "120/min", "7200/h". */
export function parseRequestRate(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\/(s|min|h)$/.exec(text.trim());
  const value = m ? Number(m[1]) / { s: 1, min: 60, h: 3600 }[m[2] as 's' | 'min' | 'h'] : NaN;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InputError(`${flag}: expected requests per unit of time, e.g. 2/s, 120/min or 7200/h`);
  }
  return value;
}

/** A whole number, 0 or more. */
export function parseNonNegativeInt(text: string, flag: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new InputError(`${flag}: expected a whole number of at least 0`);
  return Number(text);
}
